// A handful of routes do not need a router library: the path is read from window.location, changed with
// history.pushState, and every change is announced with one event so components re-render.
import { useSyncExternalStore } from 'react'

const CHANGE = 'app:navigate'

export type Route =
  | { name: 'home' }
  | { name: 'orgs' }
  | { name: 'billing'; orgId: string }
  | { name: 'members'; orgId: string }
  | { name: 'invite'; token: string }
  | { name: 'forgot-password' }
  | { name: 'update-password' }
  | { name: 'account' }
  | { name: 'not-found' }

/** The route for a pathname; the query string (e.g. ?checkout=success) is the page's business. */
export function parseRoute(pathname: string): Route {
  if (pathname === '/' || pathname === '') return { name: 'home' }
  if (pathname === '/orgs' || pathname === '/orgs/') return { name: 'orgs' }
  // Password recovery and the account page; the emailed Auth links redirect to the last two.
  for (const name of ['forgot-password', 'update-password', 'account'] as const) {
    if (pathname === `/${name}` || pathname === `/${name}/`) return { name }
  }
  const billing = /^\/billing\/([^/]+)\/?$/.exec(pathname)
  if (billing) return { name: 'billing', orgId: decodeURIComponent(billing[1]) }
  const members = /^\/members\/([^/]+)\/?$/.exec(pathname)
  if (members) return { name: 'members', orgId: decodeURIComponent(members[1]) }
  const invite = /^\/invite\/([^/]+)\/?$/.exec(pathname)
  if (invite) return { name: 'invite', token: decodeURIComponent(invite[1]) }
  return { name: 'not-found' }
}

/** The billing page's path, defined once with the emails and the billing function that link to it. */
export { billingPath, membersPath } from '../../../supabase/functions/_shared/app-paths.ts'

/** Goes to an in-app path; `replace` for redirects, so Back does not return to them. */
export function navigate(path: string, { replace = false }: { replace?: boolean } = {}): void {
  const current = window.location.pathname + window.location.search
  if (path === current) return
  if (replace) window.history.replaceState(null, '', path)
  else window.history.pushState(null, '', path)
  window.dispatchEvent(new Event(CHANGE))
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange)
  window.addEventListener(CHANGE, onChange)
  return () => {
    window.removeEventListener('popstate', onChange)
    window.removeEventListener(CHANGE, onChange)
  }
}

/** The current pathname, re-rendering on pushState (through `navigate`) and on Back/Forward. */
export function usePathname(): string {
  return useSyncExternalStore(subscribe, () => window.location.pathname, () => '/')
}
