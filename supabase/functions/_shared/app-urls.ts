// Where things are in the customers' web app (web/): the one definition of its billing page's path,
// used by the app's router, by the billing function (Checkout and portal return URLs) and by the emails.
// An email that linked to a path the app does not have landed customers on "Page not found".
import { env } from './env.ts'

/** The billing page of one organization: `/billing/:orgId`. */
export function billingPath(orgId: string): string {
  return `/billing/${encodeURIComponent(orgId)}`
}

/** An absolute URL in the web app at `base` (APP_URL). */
export function appUrlAt(base: string, path: string): string {
  return `${base.replace(/\/$/, '')}${path}`
}

/** An absolute URL in the web app (APP_URL; the local stack's web port when unset). */
export function appUrl(path: string): string {
  return appUrlAt(env('APP_URL', 'http://127.0.0.1:3000'), path)
}

/** The billing page of an organization, absolute: what emails link to. */
export function billingUrl(orgId: string): string {
  return appUrl(billingPath(orgId))
}
