// Cancel at period end (with the customer's reason) and resume before the end, from the app. Stripe
// is changed, then the customer is synced at once (fetch, apply, workflows), so the answer and the
// confirmation emails come from what Stripe holds, never from the request.
import { call } from '../stripe/context.ts'
import { HttpError } from '../errors.ts'
import { type BillingDeps, membership } from './actions.ts'
import { asUser } from './as-user.ts'
import type { Caller } from './caller.ts'
import { adminsOnly } from './errors.ts'
import type { CancelReason } from './inputs.ts'
import { scheduleIdOf } from './scheduled-change.ts'

/** The states a customer can still cancel or resume (a paused or incomplete one goes through the portal). */
const CANCELLABLE = ['trialing', 'active', 'past_due']

export interface LiveSubscription {
  id: string
  customer_id: string
  status: string
  price_id: string | null
  quantity: number | null
  cancel_at_period_end: boolean
  cancel_at: Date | null
  /** When the mirror last read it from Stripe: it versions the idempotency keys (see below). */
  stripe_fetched_at: Date
}

/** The organization's live subscription as the mirror has it; 409 when there is none. An admin only. */
export async function liveSubscription(deps: BillingDeps, caller: Caller, orgId: string): Promise<LiveSubscription> {
  const m = await membership(deps, caller, orgId)
  if (m.role !== 'admin') throw adminsOnly()
  const [sub] = await asUser(deps.sql, caller, (tx) =>
    tx<LiveSubscription[]>`
    select id, customer_id, status, price_id, quantity, cancel_at_period_end, cancel_at, stripe_fetched_at
    from public.stripe_subscriptions where organization_id = ${orgId} and status in ${tx(CANCELLABLE)}
    order by created desc nulls last limit 1`)
  if (!sub) throw new HttpError(409, 'no_subscription', 'This organization has no active subscription to change. Choose a plan first.')
  return sub
}

/**
 * An idempotency key per change of one known state of the subscription: a double click is one write,
 * while the same change asked again after the state moved on (cancel, resume, cancel) is a new one
 * (a reused key within 24 h would replay Stripe's first answer and change nothing).
 */
export const changeKey = (what: string, sub: LiveSubscription) => `subscription-${sub.id}-${what}-at-${sub.stripe_fetched_at.getTime()}`

/** Syncs the customer now, as the queue worker would, so the mirror shows the change. */
export async function syncCustomer(deps: BillingDeps, customerId: string): Promise<void> {
  await deps.syncer()({ key: `customer:${customerId}`, target: { kind: 'customer', customerId }, messages: [], eventIds: [] })
}

export async function cancelAtPeriodEnd(deps: BillingDeps, caller: Caller, orgId: string, reason: CancelReason): Promise<void> {
  const sub = await liveSubscription(deps, caller, orgId)
  if (sub.cancel_at_period_end || sub.cancel_at) {
    throw new HttpError(409, 'already_cancelling', 'This subscription is already set to end. Resume it to keep it.')
  }
  // Stripe refuses to change the cancellation of a subscription a schedule manages (a scheduled downgrade).
  const [row] = await deps.sql<{ raw: unknown }[]>`select raw from public.stripe_subscriptions where id = ${sub.id}`
  if (scheduleIdOf(row?.raw)) {
    throw new HttpError(409, 'change_scheduled', 'A plan change is scheduled for the end of this period. Undo it first, then cancel.')
  }
  const ctx = deps.stripe()
  await call(`cancel ${sub.id} at period end`, () =>
    ctx.stripe.subscriptions.update(sub.id, {
      cancel_at_period_end: true,
      cancellation_details: { comment: reason.comment ?? '', ...(reason.feedback ? { feedback: reason.feedback } : {}) },
    }, { idempotencyKey: changeKey('cancel', sub) }))
  console.log(`billing: organization ${orgId} cancels ${sub.id} at period end (feedback ${reason.feedback ?? 'none'})`)
  await syncCustomer(deps, sub.customer_id)
}

export async function resume(deps: BillingDeps, caller: Caller, orgId: string): Promise<void> {
  const sub = await liveSubscription(deps, caller, orgId)
  if (!sub.cancel_at_period_end && !sub.cancel_at) {
    throw new HttpError(409, 'not_cancelling', 'This subscription is not set to end; there is nothing to resume.')
  }
  const ctx = deps.stripe()
  await call(`resume ${sub.id}`, () => ctx.stripe.subscriptions.update(sub.id, { cancel_at_period_end: false }, { idempotencyKey: changeKey('resume', sub) }))
  console.log(`billing: organization ${orgId} resumes ${sub.id}`)
  await syncCustomer(deps, sub.customer_id)
}
