// The members page: who belongs, their roles, pending invitations (admins resend or revoke them), an
// invitation form for admins, and Leave. Every refusal is the billing function's own message.
import { useCallback, useEffect, useState, type FormEvent } from 'react'
import type { Invitation, Member, MembersView } from '../api-types.ts'
import { errorMessage, type BillingApi } from '../api.ts'
import { Link } from '../components/link.tsx'
import { OverLimitNotice } from '../components/over-limit-notice.tsx'
import { ErrorState, LoadingState } from '../components/page-states.tsx'
import { billingPath, navigate } from '../lib/router.ts'
import { usageLine } from '../lib/usage.ts'

export interface MembersPageProps {
  api: BillingApi
  orgId: string
  /** After the caller left the organization. */
  onLeft: () => void
}

export function MembersPage({ api, orgId, onLeft }: MembersPageProps) {
  const [view, setView] = useState<MembersView | null>(null)
  const [loadError, setLoadError] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [info, setInfo] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const [email, setEmail] = useState('')
  const [role, setRole] = useState('member')

  const load = useCallback(async () => {
    setLoadError(null)
    try {
      setView(await api.getMembers(orgId))
    } catch (cause) {
      setLoadError(errorMessage(cause))
    }
  }, [api, orgId])
  useEffect(() => void load(), [load])

  /** Runs one change; shows its refusal, or `done` and the fresh list. */
  async function act(run: () => Promise<MembersView | unknown>, done: string) {
    setBusy(true)
    setError(null)
    setInfo(null)
    try {
      const answer = await run()
      if (answer && typeof answer === 'object' && 'members' in answer) setView(answer as MembersView)
      else await load()
      setInfo(done)
      return true
    } catch (cause) {
      setError(errorMessage(cause))
      return false
    } finally {
      setBusy(false)
    }
  }

  async function onInvite(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const to = email.trim()
    if (await act(() => api.invite(orgId, to, role), `Invitation sent to ${to}.`)) setEmail('')
  }

  async function onLeave() {
    setBusy(true)
    setError(null)
    try {
      await api.leave(orgId)
      onLeft()
    } catch (cause) {
      setError(errorMessage(cause))
      setBusy(false)
    }
  }

  if (loadError) return <ErrorState title="Members could not be loaded" message={loadError} onRetry={() => void load()} />
  if (!view) return <LoadingState label="Loading members…" />
  const admin = view.role === 'admin'
  const seats = view.usage.find((u) => u.name === 'seats')

  return (
    <div className="members-page">
      <p className="muted small"><Link to={billingPath(orgId)}>← Billing of {view.organization.name}</Link></p>
      <h1>Members of {view.organization.name}</h1>
      {error ? <p className="callout callout-danger" role="alert">{error}</p> : null}
      {info ? <p className="notice notice-info" role="status">{info}</p> : null}
      <OverLimitNotice usage={view.usage.filter((u) => u.name === 'seats')} canManage={admin} busy={busy} onUpgrade={() => navigate(billingPath(orgId))} />

      <section className="card" aria-labelledby="members-heading">
        <h2 id="members-heading">Members</h2>
        {seats ? <p className="muted small" data-testid="members-seats">{usageLine(seats)} in use, counting pending invitations</p> : null}
        <ul className="members" data-testid="members">
          {view.members.map((m) => (
            <MemberRow key={m.user_id} member={m} you={m.user_id === view.you} admin={admin} busy={busy}
              onRole={(r) => void act(() => api.changeRole(orgId, m.user_id, r), `${m.email ?? 'The member'} is now ${r === 'admin' ? 'an admin' : 'a member'}.`)}
              onRemove={() => void act(() => api.removeMember(orgId, m.user_id), `${m.email ?? 'The member'} was removed.`)}
              onLeave={() => void onLeave()} />
          ))}
        </ul>
      </section>

      {admin ? (
        <section className="card" aria-labelledby="invite-heading">
          <h2 id="invite-heading">Invite someone</h2>
          <form className="form" onSubmit={(e) => void onInvite(e)}>
            <div className="field">
              <label htmlFor="invite-email">Email</label>
              <input id="invite-email" type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
            </div>
            <div className="field">
              <label htmlFor="invite-role">Role</label>
              <select id="invite-role" value={role} onChange={(e) => setRole(e.target.value)}>
                <option value="member">Member</option>
                <option value="admin">Admin</option>
              </select>
            </div>
            <button type="submit" className="button button-primary" disabled={busy}>Send invitation</button>
          </form>
          <h3>Pending invitations</h3>
          {view.invitations.length === 0 ? <p className="empty-state">No pending invitations.</p> : (
            <ul className="members" data-testid="invitations">
              {view.invitations.map((i) => (
                <InvitationRow key={i.id} invitation={i} busy={busy}
                  onResend={() => void act(() => api.resendInvitation(orgId, i.id), `Invitation sent again to ${i.email}.`)}
                  onRevoke={() => void act(() => api.revokeInvitation(orgId, i.id), `The invitation to ${i.email} was revoked.`)} />
              ))}
            </ul>
          )}
        </section>
      ) : null}
    </div>
  )
}

function MemberRow(p: { member: Member; you: boolean; admin: boolean; busy: boolean; onRole: (role: string) => void; onRemove: () => void; onLeave: () => void }) {
  const who = p.member.full_name || p.member.email || 'Unknown user'
  return (
    <li className="member" data-testid="member">
      <span className="member-who"><span className="member-name">{who}{p.you ? ' (you)' : ''}</span></span>
      {p.admin ? (
        <select aria-label={`Role of ${who}`} value={p.member.role} disabled={p.busy} onChange={(e) => p.onRole(e.target.value)}>
          <option value="member">Member</option>
          <option value="admin">Admin</option>
        </select>
      ) : <span className="pill pill-neutral">{p.member.role === 'admin' ? 'Admin' : 'Member'}</span>}
      {p.you ? <button type="button" className="button" disabled={p.busy} onClick={p.onLeave}>Leave</button>
        : p.admin ? <button type="button" className="button" disabled={p.busy} onClick={p.onRemove} aria-label={`Remove ${who}`}>Remove</button> : null}
    </li>
  )
}

function InvitationRow(p: { invitation: Invitation; busy: boolean; onResend: () => void; onRevoke: () => void }) {
  const i = p.invitation
  return (
    <li className="member" data-testid="invitation">
      <span className="member-who">
        <span className="member-name">{i.email}</span>
        <span className="muted small">{i.role === 'admin' ? 'Admin' : 'Member'} · {i.expired ? 'link expired' : `link valid until ${i.expires_at.slice(0, 10)}`}</span>
      </span>
      <button type="button" className="button" disabled={p.busy} onClick={p.onResend} aria-label={`Resend to ${i.email}`}>Resend</button>
      <button type="button" className="button" disabled={p.busy} onClick={p.onRevoke} aria-label={`Revoke the invitation to ${i.email}`}>Revoke</button>
    </li>
  )
}
