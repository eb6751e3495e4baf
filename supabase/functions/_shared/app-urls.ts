// Absolute URLs in the customers' web app (web/), from APP_URL and the paths the app's router shares
// (app-paths.ts): what the billing function's return URLs and the emails link to.
import { billingPath, invitePath } from './app-paths.ts'
import { config } from './config.ts'

export { billingPath }

/** An absolute URL in the web app at `base` (APP_URL). */
export function appUrlAt(base: string, path: string): string {
  return `${base.replace(/\/$/, '')}${path}`
}

/** An absolute URL in the web app (APP_URL; the local stack's web port when unset). */
export function appUrl(path: string): string {
  return appUrlAt(config().APP_URL, path)
}

/** The billing page of an organization, absolute: what emails link to. */
export function billingUrl(orgId: string): string {
  return appUrl(billingPath(orgId))
}

/** The accept page of an invitation, absolute: what the invitation email links to. */
export function inviteUrl(token: string): string {
  return appUrl(invitePath(token))
}
