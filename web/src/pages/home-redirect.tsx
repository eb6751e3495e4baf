// `/` for a signed-in user: straight to the only organization's billing, otherwise to the chooser.
import { useEffect } from 'react'
import { ErrorState, LoadingState } from '../components/page-states.tsx'
import { navigate } from '../lib/router.ts'
import { landingPath, type OrganizationsState } from '../lib/use-organizations.ts'

export function HomeRedirect({ orgs }: { orgs: OrganizationsState }) {
  const { organizations, error, reload } = orgs
  useEffect(() => {
    if (organizations) navigate(landingPath(organizations), { replace: true })
  }, [organizations])

  if (error && !organizations) return <ErrorState title="We couldn't load your organizations" message={error} onRetry={() => void reload()} />
  return <LoadingState label="Loading your organizations…" />
}
