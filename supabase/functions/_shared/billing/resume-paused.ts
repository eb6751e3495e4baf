// A trial that ended without a payment method paused the subscription (trial_settings.end_behavior =
// pause). Stripe does not resume it by itself when a card is added (its docs: "Resume a paused
// subscription" is an API call), so once a card is on file the admin resumes it from the app: Stripe (by
// default) starts a new period now and invoices it, then the customer is synced at once.
import { call } from '../stripe/context.ts'
import { HttpError } from '../errors.ts'
import { type BillingDeps, membership } from './actions.ts'
import { asUser } from './as-user.ts'
import type { Caller } from './caller.ts'
import { syncCustomer } from './cancel-resume.ts'
import { adminsOnly } from './errors.ts'
import { cardOnFile } from './payment-details.ts'

/** Resumes the organization's paused subscription; false when it has none (the caller tries other resumes). */
export async function resumePaused(deps: BillingDeps, caller: Caller, orgId: string): Promise<boolean> {
  const m = await membership(deps, caller, orgId)
  const [sub] = await asUser(deps.sql, caller, (tx) =>
    tx<{ id: string; customer_id: string; stripe_fetched_at: Date }[]>`
    select id, customer_id, stripe_fetched_at from public.stripe_subscriptions
    where organization_id = ${orgId} and status = 'paused' order by created desc nulls last limit 1`)
  if (!sub) return false
  if (m.role !== 'admin') throw adminsOnly()
  if (!(await cardOnFile(deps.sql, sub.customer_id, sub.id, null))) {
    throw new HttpError(409, 'no_payment_method', 'Add a payment method first ("Add payment method"), then resume the subscription.')
  }
  const ctx = deps.stripe()
  await call(
    `resume paused ${sub.id}`,
    () => ctx.stripe.subscriptions.resume(sub.id, {}, { idempotencyKey: `subscription-${sub.id}-resume-paused-at-${sub.stripe_fetched_at.getTime()}` }),
  )
  console.log(`billing: organization ${orgId} resumes paused ${sub.id}`)
  await syncCustomer(deps, sub.customer_id)
  return true
}
