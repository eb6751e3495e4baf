// The web app's paths that the backend links to: the billing function's Checkout and portal return URLs
// and the emails. Shared with the web app's router (web/src/lib/router.ts) so that what is linked to and
// what the app serves cannot differ (emails once linked to a /billing the app did not have). No imports.

/** The billing page of one organization: `/billing/:orgId`. */
export function billingPath(orgId: string): string {
  return `/billing/${encodeURIComponent(orgId)}`
}

/** The members page of one organization: `/members/:orgId`. */
export function membersPath(orgId: string): string {
  return `/members/${encodeURIComponent(orgId)}`
}

/** The page an invitation email links to: `/invite/:token` (the token is hex, so it needs no escaping). */
export function invitePath(token: string): string {
  return `/invite/${encodeURIComponent(token)}`
}
