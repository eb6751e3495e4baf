// The operations of a lifecycle story (lifecycle-story.ts), applied to a run through the official
// client as the app or the customer would: each to the `who`-th customer it can act on.
import type Stripe from 'stripe'
import { LIVE } from '../../dev/stripe-emulator/billing/lifecycle.ts'
import type { Obj } from '../../dev/stripe-emulator/shape.ts'
import { CARDS, OFFERS, type Operation, type Run } from './lifecycle-story.ts'
import { uniq } from './stack.ts'

const DAY = 86_400

/** The customer's newest subscription that has not ended. */
const liveSub = (run: Run, customer: string) =>
  run.s.running.emu.all('subscription').filter((x) => x.customer === customer && LIVE.includes(x.status)).at(-1)

async function useCard(run: Run, customer: string, which: keyof typeof CARDS) {
  const pm = await run.s.stripe.paymentMethods.attach(CARDS[which], { customer })
  await run.s.stripe.customers.update(customer, { invoice_settings: { default_payment_method: pm.id } })
}

/** Who an operation can act on: the customers Stripe still has, those with a live subscription, ... */
const CAN: Record<Exclude<Operation['kind'], 'advance' | 'deliver' | 'refund'>, (sub: Obj | undefined) => boolean> = {
  subscribe: (sub) => !sub,
  // The app refuses a change while one is scheduled; Stripe refuses cancel_at_period_end (undo first).
  change: (sub) => !!sub && !sub.schedule,
  promo: (sub) => !!sub && !sub.schedule,
  cancelAtPeriodEnd: (sub) => !!sub && !sub.cancel_at_period_end && !sub.schedule,
  scheduleDowngrade: (sub) => sub?.status === 'active' && !sub.cancel_at_period_end && !sub.schedule,
  undoSchedule: (sub) => !!sub?.schedule,
  resume: (sub) => !!sub?.cancel_at_period_end,
  cancelNow: (sub) => !!sub,
  replaceCard: () => true,
  deleteCustomer: () => true,
}

/**
 * Applies one operation through the official client, to the `who`-th customer it can act on (wrapping
 * around); when none can, it is skipped.
 */
export async function apply(run: Run, op: Operation, deliverAndSync: (run: Run) => Promise<void>): Promise<void> {
  const { stripe } = run.s
  if (op.kind === 'advance') {
    run.clock = await stripe.testHelpers.testClocks.advance(run.clock.id, { frozen_time: run.clock.frozen_time + op.days * DAY })
    return
  }
  if (op.kind === 'deliver') return deliverAndSync(run)
  if (op.kind === 'refund') return refund(run, op.who, op.full)
  const present = run.customers.filter((c) => !run.s.running.emu.find(c.id)?.deleted && CAN[op.kind](liveSub(run, c.id)))
  if (present.length === 0) return
  const customer = present[op.who % present.length].id
  const live = liveSub(run, customer)!
  switch (op.kind) {
    case 'subscribe':
      await useCard(run, customer, op.card)
      await stripe.subscriptions.create({ customer, items: [{ price: run.prices[op.plan].id, quantity: op.quantity }], ...(op.trial ? { trial_period_days: 7 } : {}) })
      return
    case 'change':
      return changeWithPreview(run, live, op.plan, op.quantity)
    case 'promo':
      return redeemPromotion(run, live, op.offer)
    case 'cancelAtPeriodEnd':
      await stripe.subscriptions.update(live.id, { cancel_at_period_end: true })
      if (op.thenResume) await stripe.subscriptions.update(live.id, { cancel_at_period_end: false })
      return
    case 'resume':
      await stripe.subscriptions.update(live.id, { cancel_at_period_end: false })
      return
    case 'cancelNow':
      await stripe.subscriptions.cancel(live.id)
      return
    case 'scheduleDowngrade':
      return scheduleDowngrade(run, live, op.quantity, op.then)
    case 'undoSchedule':
      await stripe.subscriptionSchedules.release(live.schedule)
      return
    case 'replaceCard':
      return useCard(run, customer, op.card)
    case 'deleteCustomer':
      await stripe.customers.del(customer)
      return
  }
}

/**
 * A plan change on an active subscription not set to end: Stripe's preview with a fixed proration_date,
 * then the same change (an upgrade billed now with always_invoice at that date, as the app does; a
 * downgrade at once without proration). Others (trialing, past due, ending) change as in Stripe's
 * portal, with Stripe's default proration. Nothing to change: skipped.
 */
async function changeWithPreview(run: Run, live: Obj, plan: number, quantity: number): Promise<void> {
  const item = live.items.data[0]
  const to = run.prices[plan]
  if (item.price.id === to.id && item.quantity === quantity) return
  if (live.status !== 'active' || live.cancel_at_period_end) {
    await run.s.stripe.subscriptions.update(live.id, { items: [{ id: item.id, price: to.id, quantity }] })
    return
  }
  const upgrade = to.unit_amount! * quantity > item.price.unit_amount * item.quantity
  const behaviour = upgrade ? 'always_invoice' : 'none'
  const items = [{ id: item.id, price: to.id, quantity }]
  const prorationDate = run.clock.frozen_time
  const preview = await run.s.stripe.invoices.createPreview({
    customer: live.customer, subscription: live.id, subscription_details: { items, proration_behavior: behaviour, proration_date: prorationDate },
  })
  const before = live.latest_invoice
  const after = await run.s.stripe.subscriptions.update(live.id, { items, proration_behavior: behaviour, ...(upgrade ? { proration_date: prorationDate } : {}) })
  const invoice = upgrade && after.latest_invoice !== before ? (after.latest_invoice as string) : null
  run.previews.push({ subscription: live.id, upgrade, amountDue: preview.amount_due, invoice })
}

/** A new promotion code for one of OFFERS, redeemed onto the subscription (replacing its discounts). */
async function redeemPromotion(run: Run, live: Obj, offer: number): Promise<void> {
  const coupon = await run.s.stripe.coupons.create(OFFERS[offer])
  const code = uniq('PROMO').replace(/[^A-Za-z0-9]/g, '').toUpperCase()
  const promo = await run.s.stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: coupon.id }, code })
  await run.s.stripe.subscriptions.update(live.id, { discounts: [{ promotion_code: promo.id }] })
  run.promotions.push({ subscription: live.id, promotionCode: promo.id })
}

/** Refunds the newest charge with at least $1 left ($1, or all that is left) of the `who`-th customer that has one. */
async function refund(run: Run, who: number, full: boolean): Promise<void> {
  const emu = run.s.running.emu
  const left = (ch: Obj) => ch.amount - (ch.amount_refunded ?? 0)
  const newest = (c: string) => emu.all('charge').filter((ch: Obj) => ch.customer === c && ch.status === 'succeeded' && left(ch) >= 100).pop()
  const charges = run.customers.filter((c) => !emu.find(c.id)?.deleted).map((c) => newest(c.id)).filter((ch): ch is Obj => !!ch)
  if (charges.length === 0) return
  await run.s.stripe.refunds.create({ payment_intent: charges[who % charges.length].payment_intent, ...(full ? {} : { amount: 100 }) })
}

/**
 * A downgrade to Basic at the period's end as the app schedules it (plan-schedule.ts): a schedule made
 * from the subscription, its current phase as it is, then Basic at the largest quantity up to `quantity`
 * that costs less; then left, undone at once, or reached (the clock just past the period's end).
 * Nothing cheaper (already Basic × 1): skipped.
 */
async function scheduleDowngrade(run: Run, live: Obj, quantity: number, then: 'nothing' | 'undo' | 'renew'): Promise<void> {
  const item = live.items.data[0]
  const basic = run.prices[0]
  const now = item.price.unit_amount * item.quantity
  const q = Math.min(quantity, Math.ceil(now / basic.unit_amount!) - 1)
  if (q < 1) return
  const schedule = await run.s.stripe.subscriptionSchedules.create({ from_subscription: live.id })
  const [current] = schedule.phases
  const priceOf = (p: string | { id: string }) => (typeof p === 'string' ? p : p.id)
  await run.s.stripe.subscriptionSchedules.update(schedule.id, {
    end_behavior: 'release',
    phases: [
      { start_date: current.start_date, end_date: current.end_date, items: current.items.map((i) => ({ price: priceOf(i.price), quantity: i.quantity ?? 1 })) },
      { start_date: current.end_date, items: [{ price: basic.id, quantity: q }], proration_behavior: 'none' },
    ] satisfies Stripe.SubscriptionScheduleUpdateParams.Phase[],
  })
  run.schedules.push({ subscription: live.id, schedule: schedule.id })
  if (then === 'undo') await run.s.stripe.subscriptionSchedules.release(schedule.id)
  if (then === 'renew') {
    run.clock = await run.s.stripe.testHelpers.testClocks.advance(run.clock.id, { frozen_time: Math.max(run.clock.frozen_time, current.end_date!) + 3600 })
  }
}
