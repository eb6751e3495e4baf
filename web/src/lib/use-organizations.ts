// The signed-in user's organizations, for the landing redirect, the organizations page and the
// header's switcher. Loaded once per user, reloaded on demand.
import { useCallback, useEffect, useRef, useState } from 'react'
import type { OrganizationSummary } from '../api-types.ts'
import { errorMessage, type BillingApi } from '../api.ts'

export interface OrganizationsState {
  /** null until the first answer */
  organizations: OrganizationSummary[] | null
  error: string | null
  reload: () => Promise<void>
  /** Adds an organization just created, before the next reload. */
  add: (organization: OrganizationSummary) => void
}

export function useOrganizations(api: BillingApi, userId: string | null): OrganizationsState {
  const [organizations, setOrganizations] = useState<OrganizationSummary[] | null>(null)
  const [error, setError] = useState<string | null>(null)

  // The user whose list is wanted now: an answer for someone who has since signed out is dropped.
  const currentUser = useRef(userId)
  useEffect(() => {
    currentUser.current = userId
  }, [userId])

  const reload = useCallback(async () => {
    if (!userId) return
    setError(null)
    try {
      const list = await api.listOrganizations()
      if (currentUser.current === userId) setOrganizations(list)
    } catch (cause) {
      if (currentUser.current === userId) setError(errorMessage(cause))
    }
  }, [api, userId])

  useEffect(() => {
    setOrganizations(null)
    void reload()
  }, [reload])

  const add = useCallback((organization: OrganizationSummary) => {
    setOrganizations((list) => [...(list ?? []).filter((o) => o.id !== organization.id), organization])
  }, [])

  return { organizations, error, reload, add }
}

/** Where a signed-in user lands: their only organization's billing page, else the organizations page. */
export function landingPath(organizations: OrganizationSummary[]): string {
  return organizations.length === 1 ? `/billing/${encodeURIComponent(organizations[0].id)}` : '/orgs'
}
