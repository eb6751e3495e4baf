// Choose one of your organizations, or create one (the first thing a new user does).
import { useEffect, useRef, useState, type FormEvent } from 'react'
import type { OrganizationSummary } from '../api-types.ts'
import { errorMessage, type BillingApi } from '../api.ts'
import { Link } from '../components/link.tsx'
import { ErrorState, LoadingState } from '../components/page-states.tsx'
import { StatusBadge } from '../components/status-badge.tsx'
import { billingPath, navigate } from '../lib/router.ts'
import { statusLabel } from '../lib/status.ts'
import type { OrganizationsState } from '../lib/use-organizations.ts'
import { BusyButton } from '../components/busy-button.tsx'

export interface OrgsPageProps {
  api: BillingApi
  orgs: OrganizationsState
}

export function OrgsPage({ api, orgs }: OrgsPageProps) {
  const { organizations, error, reload } = orgs

  useEffect(() => {
    document.title = 'Organizations · Billing'
  }, [])

  // A list loaded earlier (at sign-in) may show old plans and statuses: refresh it on arrival.
  const loadedOnArrival = useRef(organizations !== null)
  useEffect(() => {
    if (loadedOnArrival.current) void reload()
  }, [reload])

  if (organizations === null) {
    return error ? <ErrorState title="We couldn't load your organizations" message={error} onRetry={() => void reload()} /> : <LoadingState label="Loading organizations…" />
  }

  const first = organizations.length === 0
  return (
    <div className="orgs">
      <header className="page-head">
        <h1>{first ? 'Create your organization' : 'Your organizations'}</h1>
        {first ? <p className="muted">Billing belongs to an organization. Create one to choose a plan; you will be its admin.</p> : null}
      </header>
      {first ? null : <OrganizationList organizations={organizations} />}
      <CreateOrganizationForm api={api} orgs={orgs} heading={first ? null : 'Create another organization'} />
    </div>
  )
}

function OrganizationList({ organizations }: { organizations: OrganizationSummary[] }) {
  return (
    <ul className="org-list">
      {organizations.map((org) => {
        const badge = statusLabel(org.billing_status)
        return (
          <li key={org.id}>
            <Link to={billingPath(org.id)} className="org-link">
              <span className="org-link-name">{org.name}</span>
              <span className="muted small">
                {org.plan_name ?? 'No plan'} · {org.role === 'admin' ? 'Admin' : 'Member'}
              </span>
              <StatusBadge label={badge.label} tone={badge.tone} />
            </Link>
          </li>
        )
      })}
    </ul>
  )
}

function CreateOrganizationForm({ api, orgs, heading }: OrgsPageProps & { heading: string | null }) {
  const [name, setName] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    setBusy(true)
    setError(null)
    try {
      const organization = await api.createOrganization(name.trim())
      orgs.add(organization)
      navigate(billingPath(organization.id))
    } catch (cause) {
      setError(errorMessage(cause))
      setBusy(false)
    }
  }

  return (
    <section className="card" aria-labelledby={heading ? 'create-org-heading' : undefined} aria-label={heading ? undefined : 'New organization'}>
      {heading ? <h2 id="create-org-heading">{heading}</h2> : null}
      <form className="form form-inline" onSubmit={(event) => void onSubmit(event)}>
        <div className="field">
          <label htmlFor="org-name">Organization name</label>
          <input id="org-name" name="name" required maxLength={100} autoComplete="organization" value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <BusyButton type="submit" variant="primary" busy={busy}>
          Create organization
        </BusyButton>
      </form>
      <div role="alert">{error ? <p className="callout callout-danger">{error}</p> : null}</div>
    </section>
  )
}
