// After a downgrade below usage, everything already there is kept but nothing new fits: the notice says
// by how much each limit is exceeded and the ways out (free room, or upgrade). Admins get the actions.
import type { PlanUsage } from '../api-types.ts'
import { countOf, wayDown } from '../lib/usage.ts'
import { Link } from './link.tsx'

export interface OverLimitNoticeProps {
  usage: PlanUsage[]
  canManage: boolean
  busy: boolean
  /** Where members and invitations are managed (the members page); absent on that page itself. */
  membersHref?: string
  /** Opens the customer portal (or the billing page, from elsewhere), where the plan can be upgraded. */
  onUpgrade: () => void
}

export function OverLimitNotice({ usage, canManage, busy, membersHref, onUpgrade }: OverLimitNoticeProps) {
  const over = usage.filter((u) => u.over_by > 0 && u.limit !== null)
  if (over.length === 0) return null
  return (
    <div className="banner banner-warning" role="alert" data-testid="over-limit-notice">
      <div className="banner-text">
        <p className="banner-title">Your organization is over its plan's limits</p>
        <ul>
          {over.map((u) => (
            <li key={u.name}>
              {countOf(u.name, u.in_use)} in use; the plan includes {u.limit}. Nothing is removed, but no new {u.name} can be added
              {canManage ? ` until you ${wayDown(u)} or upgrade the plan.` : '.'}
            </li>
          ))}
        </ul>
        {canManage ? null : <p>Ask an admin of this organization to free room or upgrade the plan.</p>}
      </div>
      {canManage ? (
        <div className="banner-actions">
          {membersHref && over.some((u) => u.name === 'seats') ? <Link to={membersHref} className="button">Manage members</Link> : null}
          <button type="button" className="button button-primary" onClick={onUpgrade} disabled={busy}>
            Upgrade plan
          </button>
        </div>
      ) : null}
    </div>
  )
}
