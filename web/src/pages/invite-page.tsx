// Where an invitation email's link lands (`/invite/<token>`) once the person is signed in (signed out,
// the sign-in page shows first and this URL stays): it accepts once and goes to the organization. A
// used, revoked, expired or mistaken link gets its own explanation and changes nothing.
import { useEffect, useRef, useState } from 'react'
import { ApiError, errorMessage, type BillingApi } from '../api.ts'
import { Link } from '../components/link.tsx'
import { ErrorState, LoadingState } from '../components/page-states.tsx'

const TITLES: Record<string, string> = {
  invitation_used: 'This invitation was already used',
  invitation_revoked: 'This invitation was revoked',
  invitation_expired: 'This invitation has expired',
  invitation_not_found: 'This invitation link is not valid',
  invitation_for_another_email: 'This invitation is for another email address',
  already_member: 'You are already a member',
}

export function InvitePage({ api, token, email, onJoined }: { api: BillingApi; token: string; email: string | null; onJoined: (orgId: string) => void }) {
  const [failure, setFailure] = useState<{ title: string; message: string } | null>(null)
  // One attempt per token, even when React runs the effect twice in development.
  const tried = useRef<string | null>(null)

  useEffect(() => {
    if (tried.current === token) return
    tried.current = token
    api.acceptInvitation(token).then(
      ({ organization_id }) => onJoined(organization_id),
      (cause) => {
        const code = cause instanceof ApiError ? cause.code : ''
        setFailure({ title: TITLES[code] ?? 'The invitation could not be accepted', message: errorMessage(cause) })
      },
    )
  }, [api, token, onJoined])

  if (!failure) return <LoadingState label="Joining the organization…" />
  return (
    <ErrorState title={failure.title} message={`${failure.message}${email ? ` (You are signed in as ${email}.)` : ''}`}
      action={<p><Link to="/orgs">Go to your organizations</Link></p>} />
  )
}
