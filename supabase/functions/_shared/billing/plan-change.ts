// Change plan inside the app. An upgrade is billed now for the rest of the period (Stripe's
// `always_invoice`: the customer pays the difference at once, so the better plan is paid for and a
// declined card shows now, not at renewal); a downgrade is scheduled for the period's end
// (plan-schedule.ts), keeping what was paid for until then. The preview and the change use the same
// proration_date, so the charge is the one shown. The mirror follows through the sync.
import type Stripe from 'stripe'
import { call } from '../stripe/context.ts'
import { HttpError } from '../errors.ts'
import type { BillingDeps } from './actions.ts'
import type { PlanChangePreview } from './api-types.ts'
import type { Caller } from './caller.ts'
import { changeKey, type LiveSubscription, liveSubscription, syncCustomer } from './cancel-resume.ts'
import { plans } from './overview.ts'
import { scheduleDowngrade } from './plan-schedule.ts'
import { scheduledChange, scheduleIdOf } from './scheduled-change.ts'

/** How long a preview's proration_date may be used to apply it. */
const PREVIEW_VALID_S = 15 * 60

async function checked(deps: BillingDeps, caller: Caller, orgId: string, priceId: string) {
  const sub = await liveSubscription(deps, caller, orgId)
  const all = await plans(deps.sql)
  const to = all.find((p) => p.price_id === priceId)
  if (!to) throw new HttpError(422, 'unknown_price', `There is no plan with the price "${priceId}". Choose one of the plans shown.`)
  // A per-seat price is billed for the seats in use (members and pending invitations) from the change on.
  const [seats] = await deps.sql<{ per_seat: boolean; in_use: number }[]>`
    select billing.price_is_per_seat(${priceId}) as per_seat, billing._seats_in_use(${orgId}::uuid) as in_use`
  const quantity = seats.per_seat ? Math.max(1, seats.in_use) : 1
  const current = sub.quantity ?? 1
  if (sub.price_id === priceId && quantity === current) {
    throw new HttpError(
      422,
      'same_plan',
      `This organization is already on ${to.product_name}${seats.per_seat ? ` for ${quantity} seats` : ''}. Choose another plan to change to.`,
    )
  }
  const [open] = await deps.sql`select 1 from public.stripe_invoices
    where subscription_id = ${sub.id} and status = 'open' and coalesce(attempt_count, 0) > 0 and coalesce(amount_remaining, 0) > 0`
  if (sub.status === 'past_due' || open) {
    throw new HttpError(409, 'payment_failed', 'A payment of this subscription has failed. Pay the open invoice first (or update your card), then change plan.')
  }
  if (sub.status !== 'active') throw new HttpError(409, 'not_active', 'The plan can be changed once the subscription is active (after the trial).')
  if (sub.cancel_at_period_end || sub.cancel_at) throw new HttpError(409, 'cancelling', 'This subscription is set to end. Resume it before changing plan.')
  const from = all.find((p) => p.price_id === sub.price_id)
  if (from && from.interval !== to.interval) {
    throw new HttpError(422, 'interval_change', `Switching between monthly and yearly is done in Manage billing; choose a ${from.interval}ly plan here.`)
  }
  const [row] = await deps.sql<
    { item_id: string; raw: unknown }[]
  >`select raw #>> '{items,data,0,id}' as item_id, raw from public.stripe_subscriptions where id = ${sub.id}`
  const pending = scheduledChange(row.raw, all)
  if (pending || scheduleIdOf(row.raw)) {
    const what = pending ? `A change to ${pending.product_name} on ${pending.at.slice(0, 10)} is already scheduled` : 'A change is already scheduled'
    throw new HttpError(409, 'change_scheduled', `${what}. Undo it first, then choose the plan you want.`)
  }
  const upgrade = to.unit_amount * quantity > (from?.unit_amount ?? 0) * current
  return { sub, to, itemId: row.item_id, quantity, upgrade }
}

const behaviourOf = (upgrade: boolean) => (upgrade ? 'always_invoice' : 'none') as 'always_invoice' | 'none'

export async function previewPlanChange(deps: BillingDeps, caller: Caller, orgId: string, priceId: string): Promise<PlanChangePreview> {
  const { sub, to, itemId, quantity, upgrade } = await checked(deps, caller, orgId, priceId)
  const prorationDate = Math.floor(Date.now() / 1000)
  const ctx = deps.stripe()
  const preview = await call(`preview plan change of ${sub.id}`, () =>
    ctx.stripe.invoices.createPreview({
      customer: sub.customer_id,
      subscription: sub.id,
      subscription_details: { items: [{ id: itemId, price: priceId, quantity }], proration_behavior: behaviourOf(upgrade), proration_date: prorationDate },
    }))
  const [period] = await deps.sql<{ current_period_end: Date | null }[]>`select current_period_end from public.stripe_subscriptions where id = ${sub.id}`
  return {
    price_id: priceId,
    quantity,
    direction: upgrade ? 'upgrade' : 'downgrade',
    currency: preview.currency,
    due_now: upgrade ? preview.amount_due : 0,
    next_invoice_amount: upgrade ? to.unit_amount * quantity : preview.amount_due,
    next_invoice_at: period?.current_period_end?.toISOString() ?? null,
    proration_date: prorationDate,
  }
}

export async function changePlan(deps: BillingDeps, caller: Caller, orgId: string, priceId: string, prorationDate: number): Promise<void> {
  const now = Math.floor(Date.now() / 1000)
  if (prorationDate > now + 60 || now - prorationDate > PREVIEW_VALID_S) {
    throw new HttpError(409, 'preview_expired', 'This price preview is out of date. Preview the change again.')
  }
  const { sub, itemId, upgrade, quantity } = await checked(deps, caller, orgId, priceId)
  const ctx = deps.stripe()
  if (!upgrade) {
    await scheduleDowngrade(ctx, sub, priceId, quantity)
    console.log(`billing: organization ${orgId} schedules ${sub.id} to change to ${priceId} at the period's end`)
    return await syncCustomer(deps, sub.customer_id)
  }
  // pending_if_incomplete: Stripe applies the upgrade only once its invoice is paid, so a declined card
  // leaves the plan as it was (the change waits in pending_update on the open invoice).
  const updated = await call(`change plan of ${sub.id} to ${priceId}`, () =>
    ctx.stripe.subscriptions.update(sub.id, {
      items: [{ id: itemId, price: priceId, quantity }],
      proration_behavior: 'always_invoice',
      proration_date: prorationDate,
      payment_behavior: 'pending_if_incomplete',
    }, { idempotencyKey: keyOf(sub, priceId, quantity) }))
  if (updated.pending_update) return await declined(deps, orgId, sub, updated)
  console.log(`billing: organization ${orgId} changes ${sub.id} to ${priceId} (upgrade, billed now)`)
  await syncCustomer(deps, sub.customer_id)
}

/**
 * The card was declined: the invoice of the change that did not happen is voided (which drops the
 * pending update), so nothing is owed and no dunning starts; the customer is told what to do.
 */
async function declined(deps: BillingDeps, orgId: string, sub: LiveSubscription, updated: Stripe.Subscription): Promise<never> {
  const invoiceId = typeof updated.latest_invoice === 'string' ? updated.latest_invoice : updated.latest_invoice?.id
  if (invoiceId) await call(`void ${invoiceId} of a declined upgrade`, () => deps.stripe().stripe.invoices.voidInvoice(invoiceId))
  console.log(`billing: organization ${orgId}: the upgrade of ${sub.id} was declined; plan unchanged, invoice ${invoiceId ?? 'none'} voided`)
  await syncCustomer(deps, sub.customer_id)
  throw new HttpError(
    402,
    'card_declined',
    'Your card was declined, so your plan was not changed and nothing was charged. Update your card with Manage billing, then try the upgrade again.',
  )
}

const keyOf = (sub: LiveSubscription, priceId: string, quantity: number) => changeKey(`plan-${priceId}-x${quantity}`, sub)
