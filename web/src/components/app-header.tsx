// The bar on every signed-in page: home, the organization switcher (with two or more), who is
// signed in, their account page, and Sign out.
import type { OrganizationSummary } from '../api-types.ts'
import { billingPath, navigate } from '../lib/router.ts'
import { Link } from './link.tsx'

export interface AppHeaderProps {
  email: string | null
  organizations: OrganizationSummary[] | null
  currentOrgId: string | null
  onSignOut: () => void
}

export function AppHeader({ email, organizations, currentOrgId, onSignOut }: AppHeaderProps) {
  return (
    <header className="app-header">
      <div className="app-header-inner">
        <Link to="/" className="brand">
          <span className="brand-mark" aria-hidden="true" />
          Billing
        </Link>
        <div className="app-header-tools">
          {organizations && organizations.length > 1 ? (
            <OrganizationSwitcher organizations={organizations} currentOrgId={currentOrgId} />
          ) : null}
          {email ? <span className="muted small user-email">{email}</span> : null}
          <Link to="/account" className="button button-small button-secondary">Account</Link>
          <button type="button" className="button button-small button-secondary" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </div>
    </header>
  )
}

function OrganizationSwitcher({ organizations, currentOrgId }: { organizations: OrganizationSummary[]; currentOrgId: string | null }) {
  return (
    <div className="switcher">
      <label htmlFor="org-switcher" className="switcher-label">Switch organization</label>
      <select id="org-switcher" value={currentOrgId ?? ''} onChange={(event) => event.target.value && navigate(billingPath(event.target.value))}>
        {currentOrgId ? null : <option value="">Choose…</option>}
        {organizations.map((org) => (
          <option key={org.id} value={org.id}>
            {org.name}
          </option>
        ))}
      </select>
    </div>
  )
}
