// Who belongs to the organization and who may change its billing.
import type { Member } from '../api-types.ts'
import { Link } from './link.tsx'

function initials(member: Member): string {
  const source = member.full_name?.trim() || member.email || '?'
  const parts = source.split(/[\s@._-]+/).filter(Boolean)
  return (parts.length > 1 ? parts[0][0] + parts[1][0] : source.slice(0, 2)).toUpperCase()
}

/** `manageHref`: the members page (invitations, roles, leaving). */
export function MembersList({ members, manageHref }: { members: Member[]; manageHref?: string }) {
  return (
    <section className="card" aria-labelledby="members-heading">
      <h2 id="members-heading">Members</h2>
      {manageHref ? <p className="small"><Link to={manageHref}>Manage members and invitations</Link></p> : null}
      {members.length === 0 ? (
        <p className="empty-state">No members.</p>
      ) : (
        <ul className="members" data-testid="members">
          {members.map((member) => (
            <li key={member.user_id} className="member">
              <span className="avatar" aria-hidden="true">{initials(member)}</span>
              <span className="member-who">
                <span className="member-name">{member.full_name || member.email || 'Unknown user'}</span>
                {member.full_name && member.email ? <span className="muted small">{member.email}</span> : null}
              </span>
              <span className={`pill ${member.role === 'admin' ? 'pill-info' : 'pill-neutral'}`}>
                {member.role === 'admin' ? 'Admin' : 'Member'}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}
