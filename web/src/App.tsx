// The app shell: who is signed in decides between the sign-in pages (`/`, `/forgot-password`) and the
// signed-in routes (`/`, `/orgs`, `/billing/:orgId`, `/account`, `/update-password`), read from the URL.
import type { SupabaseClient } from '@supabase/supabase-js'
import { useCallback, useEffect, useRef } from 'react'
import type { BillingApi } from './api.ts'
import { AppHeader } from './components/app-header.tsx'
import { LoadingState } from './components/page-states.tsx'
import { billingPath, navigate, parseRoute, usePathname } from './lib/router.ts'
import { useOrganizations } from './lib/use-organizations.ts'
import { useSession } from './lib/use-session.ts'
import { AccountPage } from './pages/account-page.tsx'
import { BillingContainer } from './pages/billing-container.tsx'
import { ForgotPasswordPage } from './pages/forgot-password-page.tsx'
import { HomeRedirect } from './pages/home-redirect.tsx'
import { InvitePage } from './pages/invite-page.tsx'
import { MembersPage } from './pages/members-page.tsx'
import { NotFoundPage } from './pages/not-found-page.tsx'
import { OrgsPage } from './pages/orgs-page.tsx'
import { SignInPage } from './pages/sign-in-page.tsx'
import { UpdatePasswordPage } from './pages/update-password-page.tsx'

export interface AppProps {
  supabase: SupabaseClient
  api: BillingApi
}

/** Both clients are props so the shell can be rendered against fakes. */
export function App({ supabase, api }: AppProps) {
  const session = useSession(supabase)
  const pathname = usePathname()
  const route = parseRoute(pathname)
  const orgs = useOrganizations(api, session?.user.id ?? null)
  const main = useRef<HTMLElement>(null)
  const shownPath = useRef(pathname)

  // After an in-app navigation, move focus to the new page so screen readers start at its top.
  useEffect(() => {
    if (pathname === shownPath.current) return
    shownPath.current = pathname
    main.current?.focus()
  }, [pathname])

  // A reset link that redirected elsewhere (e.g. to the site's root) still ends on "set a new password".
  useEffect(() => {
    const { data } = supabase.auth.onAuthStateChange((event) => {
      if (event === 'PASSWORD_RECOVERY') navigate('/update-password', { replace: true })
    })
    return () => data.subscription.unsubscribe()
  }, [supabase])

  useEffect(() => {
    if (session === null) document.title = 'Sign in · Billing'
  }, [session])

  // Joined through an invitation: the new organization appears in the list, then its billing page.
  const reloadOrgs = orgs.reload
  const onJoined = useCallback((orgId: string) => {
    void reloadOrgs().then(() => navigate(billingPath(orgId), { replace: true }))
  }, [reloadOrgs])

  async function signOut() {
    await supabase.auth.signOut()
    navigate('/')
  }

  let page
  if (session === undefined) page = <LoadingState label="Loading…" />
  else if (session === null && route.name === 'forgot-password') page = <ForgotPasswordPage supabase={supabase} />
  // A reset link opened without a session was used already or has expired.
  else if (session === null && route.name === 'update-password') page = <ForgotPasswordPage supabase={supabase} linkFailed />
  // An invitation link opened signed out: sign in or up here; the URL stays, so the invitation is accepted next.
  else if (session === null && route.name === 'invite') page = <SignInPage supabase={supabase} notice="Sign in, or create an account with the address the invitation was sent to, to join the organization." />
  else if (session === null) page = <SignInPage supabase={supabase} />
  else if (route.name === 'home') page = <HomeRedirect orgs={orgs} />
  else if (route.name === 'orgs') page = <OrgsPage api={api} orgs={orgs} />
  else if (route.name === 'billing') page = <BillingContainer api={api} orgId={route.orgId} />
  else if (route.name === 'members') page = <MembersPage api={api} orgId={route.orgId} onLeft={() => void orgs.reload().then(() => navigate('/orgs'))} />
  else if (route.name === 'invite') page = <InvitePage api={api} token={route.token} email={session.user.email ?? null} onJoined={onJoined} />
  else if (route.name === 'update-password') page = <UpdatePasswordPage supabase={supabase} />
  else if (route.name === 'account') page = <AccountPage key={session.user.email} supabase={supabase} user={session.user} />
  else if (route.name === 'forgot-password') page = <HomeRedirect orgs={orgs} />
  else page = <NotFoundPage />

  return (
    <>
      <a className="skip-link" href="#main">Skip to content</a>
      {session ? (
        <AppHeader
          email={session.user.email ?? null}
          organizations={orgs.organizations}
          currentOrgId={route.name === 'billing' || route.name === 'members' ? route.orgId : null}
          onSignOut={() => void signOut()}
        />
      ) : null}
      <main id="main" ref={main} tabIndex={-1} className="main">
        {page}
      </main>
    </>
  )
}
