// Stripe's subscription status machine: incomplete → active / incomplete_expired; trialing → active
// (or paused / canceled when the trial ends without a card); active ⇄ past_due as renewals fail and
// recover; canceled at period end, at `cancel_at`, at once, or after the last dunning retry.
import type { Obj } from '../shape.ts'
import type { Emulator } from '../emulator.ts'
import { previousAttributes } from '../resources/common.ts'
import { addInterval, type Interval } from './periods.ts'
import { applyPending, holdPending, pendingItemsOf } from './pending-update.ts'
import { scheduleEnded } from './schedule-phases.ts'
import { attemptPayment, buildInvoice, finalize, FINALIZE_AFTER_S, paymentMethodFor, voidInvoice, type LineInput } from './invoices.ts'

export const LIVE = ['trialing', 'active', 'past_due', 'unpaid', 'incomplete', 'paused']
/** An incomplete subscription whose first invoice is unpaid expires after 23 hours. */
export const INCOMPLETE_EXPIRES_S = 23 * 3600
export const TRIAL_WILL_END_S = 3 * 86_400

/** Applies a change to a subscription and emits `customer.subscription.updated` if anything changed. */
export function changeSub(emu: Emulator, sub: Obj, change: (s: Obj) => void): void {
  const before = structuredClone(sub)
  change(sub)
  const prev = previousAttributes(before, sub)
  if (prev) emu.emit('customer.subscription.updated', sub, prev, sub.test_clock)
}

export function periodEnd(sub: Obj): number {
  return sub.items.data[0]?.current_period_end
}

export function itemAmount(item: Obj): number {
  return (item.price.unit_amount ?? 0) * (item.quantity ?? 1)
}

function describeItem(item: Obj): string {
  const product = item.price.product
  return `${item.quantity ?? 1} × ${typeof product === 'string' ? product : product.name} (at ${(item.price.unit_amount / 100).toFixed(2)} ${item.price.currency.toUpperCase()} / ${item.price.recurring?.interval})`
}

export function setPeriod(sub: Obj, start: number, end: number): void {
  for (const item of sub.items.data) {
    item.current_period_start = start
    item.current_period_end = end
  }
}

/** Invoice lines for the period ahead, plus any prorations waiting on this subscription. */
export function cycleLines(emu: Emulator, sub: Obj, start: number, end: number): LineInput[] {
  const lines: LineInput[] = sub.items.data.map((item: Obj) => ({
    amount: itemAmount(item), description: productLabel(emu, item), quantity: item.quantity ?? 1, period: { start, end },
    price: item.price, subscription: sub.id, subscriptionItem: item.id,
  }))
  for (const ii of emu.all('invoiceitem').filter((i) => i.invoice === null && i.parent?.subscription_details?.subscription === sub.id)) {
    lines.push({ amount: ii.amount, description: ii.description, quantity: 1, period: ii.period, price: null, subscription: sub.id, invoiceItem: ii.id, proration: ii.proration })
  }
  return lines
}

function productLabel(emu: Emulator, item: Obj): string {
  const product = emu.find(item.price.product)
  return describeItem({ ...item, price: { ...item.price, product: product ?? item.price.product } })
}

/** Marks pending invoice items as billed on `invoice`. */
export function claimInvoiceItems(emu: Emulator, invoice: Obj): void {
  for (const line of invoice.lines.data) {
    const iiId = line.parent?.invoice_item_details?.invoice_item ?? line.parent?.subscription_item_details?.invoice_item
    const ii = iiId ? emu.find(iiId) : undefined
    if (ii) ii.invoice = invoice.id
  }
}

/**
 * Starts a new period: invoice created now (draft), finalized and charged an hour later. `change` is
 * made with the new period (a schedule's next phase), in the same customer.subscription.updated.
 */
export function renew(emu: Emulator, sub: Obj, at: number, change: (s: Obj) => void = () => {}): void {
  const next = structuredClone(sub)
  change(next)
  const item = next.items.data[0]
  const interval = item.price.recurring.interval as Interval
  const end = addInterval(at, interval, item.price.recurring.interval_count, new Date(sub.billing_cycle_anchor * 1000).getUTCDate())
  changeSub(emu, sub, (s) => {
    change(s)
    setPeriod(s, at, end)
    if (s.status === 'trialing') s.status = 'active'
  })
  const customer = emu.get('customer', sub.customer, 'customer')
  const invoice = buildInvoice(emu, { customer, currency: sub.currency, lines: cycleLines(emu, sub, at, end), billingReason: 'subscription_cycle', subscription: sub, periodStart: at, periodEnd: end })
  claimInvoiceItems(emu, invoice)
  invoice.automatically_finalizes_at = at + FINALIZE_AFTER_S
  sub.latest_invoice = invoice.id
  emu.emit('invoice.created', invoice, undefined, sub.test_clock)
}

/** Finalizes a draft renewal invoice and makes the first attempt. */
export function finalizeAndCharge(emu: Emulator, invoice: Obj): void {
  finalize(emu, invoice)
  charge(emu, invoice, paymentMethodFor(emu, invoice), true)
}

/** One attempt on an invoice, then what its subscription does about the result. */
export function charge(emu: Emulator, invoice: Obj, pmId: string | null, automatic: boolean) {
  const result = attemptPayment(emu, invoice, pmId, automatic)
  const subId = invoice.parent?.subscription_details?.subscription
  const sub = subId ? emu.find(subId) : undefined
  if (!sub) return result
  // An invoice for a pending update: paid, the change applies; declined, the subscription is untouched.
  if (pendingItemsOf(emu, invoice)) {
    if (result.paid) applyPending(emu, sub, invoice)
    else if (!sub.pending_update) holdPending(emu, sub, invoice)
    return result
  }
  if (result.paid) {
    if (['past_due', 'unpaid', 'incomplete'].includes(sub.status)) changeSub(emu, sub, (s) => (s.status = 'active'))
    // API reference, "The Subscription object" (payment_settings.save_default_payment_method): with
    // `on_subscription` Stripe makes the method that paid the subscription's default_payment_method.
    if (result.paymentMethod && sub.payment_settings?.save_default_payment_method === 'on_subscription' && sub.default_payment_method !== result.paymentMethod) {
      changeSub(emu, sub, (s) => (s.default_payment_method = result.paymentMethod))
    }
  } else if (invoice.billing_reason !== 'subscription_create') {
    if (sub.status === 'active') changeSub(emu, sub, (s) => (s.status = 'past_due'))
    if (automatic && invoice.next_payment_attempt === null) cancelNow(emu, sub, 'payment_failed')
  }
  return result
}

/** Ends a subscription now (API cancel, cancel_at reached, final failed retry, deleted customer). */
export function cancelNow(emu: Emulator, sub: Obj, reason: 'cancellation_requested' | 'payment_failed' | 'payment_disputed'): void {
  const now = emu.now(sub.test_clock)
  sub.status = 'canceled'
  sub.canceled_at = sub.canceled_at ?? now
  sub.ended_at = now
  sub.cancel_at_period_end = sub.cancel_at_period_end && reason === 'cancellation_requested' ? sub.cancel_at_period_end : false
  sub.cancellation_details = { ...sub.cancellation_details, reason }
  emu.emit('customer.subscription.deleted', sub, undefined, sub.test_clock)
  scheduleEnded(emu, sub)
}

/** The trial is over: charge for the first period, or pause / cancel when there is no card. */
export function endTrial(emu: Emulator, sub: Obj, at: number): void {
  const hasCard = paymentMethodFor(emu, { parent: { subscription_details: { subscription: sub.id } }, customer: sub.customer }) !== null
  const behaviour = sub.trial_settings?.end_behavior?.missing_payment_method ?? 'create_invoice'
  if (!hasCard && behaviour === 'cancel') return cancelNow(emu, sub, 'cancellation_requested')
  if (!hasCard && behaviour === 'pause') {
    changeSub(emu, sub, (s) => (s.status = 'paused'))
    emu.emit('customer.subscription.paused', sub, undefined, sub.test_clock)
    return
  }
  sub.billing_cycle_anchor = at
  renew(emu, sub, at)
}

/** The first invoice was never paid: Stripe gives up after 23 hours. */
export function expireIncomplete(emu: Emulator, sub: Obj): void {
  const invoice = emu.find(sub.latest_invoice)
  if (invoice?.status === 'open') voidInvoice(emu, invoice)
  changeSub(emu, sub, (s) => {
    s.status = 'incomplete_expired'
    s.ended_at = emu.now(s.test_clock)
  })
}
