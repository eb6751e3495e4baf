// Subscriptions: create (items, quantity, trials, default payment method, payment_behavior), retrieve,
// list (by customer, price, status incl. 'all'), update (price or quantity with proration,
// cancel_at_period_end, cancel_at, trial_end=now, metadata), cancel, resume.
import type Stripe from 'stripe'
import { shape, listOf, type Obj } from '../shape.ts'
import type { Emulator } from '../emulator.ts'
import { cardDeclined, invalid, required } from '../errors.ts'
import { bool, expand, expandPaths, int, page } from '../list.ts'
import { mergeMetadata, oneOf, route, type Route } from './common.ts'
import { ownedBy } from './payment-methods.ts'
import { addInterval, type Interval } from '../billing/periods.ts'
import { buildInvoice, finalize, paymentMethodFor, wouldPay } from '../billing/invoices.ts'
import { cancelNow, changeSub, charge, claimInvoiceItems, cycleLines, LIVE, periodEnd, setPeriod, TRIAL_WILL_END_S } from '../billing/lifecycle.ts'
import { prorate } from '../billing/proration.ts'
import { isPendingChange, pendingChange } from '../billing/pending-change.ts'
import { redeem, resolveDiscount, type DiscountInput } from '../billing/discounts.ts'

function recurringPrice(emu: Emulator, id: unknown, param: string): Obj {
  if (typeof id !== 'string' || !id) throw required(param)
  const price = emu.get('price', id, 'price', param)
  if (!price.recurring) throw invalid(`The price specified is set to \`type=one_time\` but this field only accepts prices with \`type=recurring\`.`, param)
  if (!price.active) throw invalid(`The price specified is inactive. This field only accepts active prices.`, param)
  return price
}

function buildItem(emu: Emulator, subId: string, price: Obj, quantity: number, created: number, metadata: Record<string, string>): Obj {
  return shape('subscription_item', {
    id: emu.newId('si', 14), object: 'subscription_item', created, metadata, price: structuredClone(price) as Stripe.Price, quantity,
    subscription: subId, tax_rates: [], discounts: [], billing_thresholds: null, current_period_start: created, current_period_end: created,
  } satisfies Partial<Stripe.SubscriptionItem>)
}

const SAVE_DEFAULT = ['off', 'on_subscription'] as const

/** `payment_settings[save_default_payment_method]`: whether a successful payment's method becomes the default. */
function saveDefault(p: Record<string, any>): 'off' | 'on_subscription' | undefined {
  return oneOf(p.payment_settings?.save_default_payment_method, SAVE_DEFAULT, 'payment_settings[save_default_payment_method]')
}

/** `discounts[]` resolved and checked before anything changes ('' removes them all). */
function discountsParam(emu: Emulator, p: Record<string, any>, currency: string, customerId: string) {
  if (p.discounts === undefined) return undefined
  if (p.discounts === '') return []
  if (!Array.isArray(p.discounts)) throw invalid('Invalid array', 'discounts')
  return p.discounts.map((d: DiscountInput, i: number) => resolveDiscount(emu, d, `discounts[${i}]`, currency, customerId))
}

function trialEndFrom(p: Record<string, any>, now: number): number | null {
  if (p.trial_end !== undefined && p.trial_end !== 'now') {
    const t = int(p.trial_end, 'trial_end')!
    if (t <= now) throw invalid('Invalid timestamp: must be an integer Unix timestamp in the future.', 'trial_end')
    return t
  }
  const days = int(p.trial_period_days, 'trial_period_days')
  if (days !== undefined && (days < 0 || days > 730)) throw invalid('trial_period_days must be between 0 and 730', 'trial_period_days')
  return days ? now + days * 86_400 : null
}

export function createSubscription(emu: Emulator, p: Record<string, any>): Obj {
  if (!p.customer) throw required('customer')
  const customer = emu.get('customer', p.customer, 'customer', 'customer')
  if (customer.deleted) throw invalid(`No such customer: '${p.customer}'`, 'customer', 'resource_missing')
  const rawItems = Array.isArray(p.items) ? p.items : []
  if (rawItems.length === 0) throw required('items')
  const prices = rawItems.map((it: Obj, i: number) => recurringPrice(emu, it.price, `items[${i}][price]`))
  const currency = prices[0].currency
  if (prices.some((pr: Obj) => pr.currency !== currency || pr.recurring.interval !== prices[0].recurring.interval)) {
    throw invalid('All prices on a subscription must have the same currency and billing interval.', 'items')
  }
  const quantities = rawItems.map((it: Obj, i: number) => {
    const q = int(it.quantity, `items[${i}][quantity]`) ?? 1
    if (q < 0) throw invalid('Quantity must be a positive integer', `items[${i}][quantity]`)
    return q
  })
  const pmId: string | null = p.default_payment_method ? ownedBy(emu, p.default_payment_method, customer.id, 'default_payment_method').id : null
  const behaviour = oneOf(p.payment_behavior, ['allow_incomplete', 'default_incomplete', 'error_if_incomplete', 'pending_if_incomplete'] as const, 'payment_behavior') ?? 'allow_incomplete'
  const clock = customer.test_clock ?? null
  const now = emu.now(clock)
  const trialEnd = trialEndFrom(p, now)
  const interval = prices[0].recurring.interval as Interval
  const start = now
  const end = trialEnd ?? addInterval(start, interval, prices[0].recurring.interval_count)
  const amount = trialEnd ? 0 : prices.reduce((s: number, pr: Obj, i: number) => s + pr.unit_amount * quantities[i], 0)
  const payWith = pmId ?? customer.invoice_settings.default_payment_method ?? null
  const pays = behaviour !== 'default_incomplete' && wouldPay(emu, amount, payWith)
  // error_if_incomplete: a declined first payment creates nothing.
  if (behaviour === 'error_if_incomplete' && !pays) throw cardDeclined(payWith ? 'Your card was declined.' : 'This customer has no attached payment source or default payment method.')

  const discounts = discountsParam(emu, p, currency, customer.id) ?? []
  const id = emu.newId('sub')
  const sub = shape('subscription', {
    id,
    object: 'subscription',
    automatic_tax: { disabled_reason: null, enabled: false, liability: null },
    billing_cycle_anchor: end,
    billing_cycle_anchor_config: null,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: null,
    cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: null },
    collection_method: 'charge_automatically',
    created: now,
    currency,
    customer: customer.id,
    days_until_due: null,
    default_payment_method: pmId,
    default_tax_rates: [],
    description: typeof p.description === 'string' ? p.description : null,
    discounts: [],
    ended_at: null,
    invoice_settings: { account_tax_ids: null, custom_fields: null, description: null, footer: null, issuer: { type: 'self' } },
    items: listOf(`/v1/subscription_items?subscription=${id}`, prices.map((pr: Obj, i: number) => buildItem(emu, id, pr, quantities[i], now, mergeMetadata({}, rawItems[i].metadata)))) as Stripe.ApiList<Stripe.SubscriptionItem>,
    latest_invoice: null,
    metadata: mergeMetadata({}, p.metadata),
    pause_collection: null,
    payment_settings: { payment_method_options: null, payment_method_types: null, save_default_payment_method: saveDefault(p) ?? 'off' },
    pending_update: null,
    start_date: now,
    status: trialEnd ? 'trialing' : pays ? 'active' : 'incomplete',
    test_clock: clock,
    trial_end: trialEnd,
    trial_settings: { end_behavior: { billing_cycle_anchor: null, missing_payment_method: oneOf(p.trial_settings?.end_behavior?.missing_payment_method, ['cancel', 'create_invoice', 'pause'] as const, 'trial_settings[end_behavior][missing_payment_method]') ?? 'create_invoice' } },
    trial_start: trialEnd ? now : null,
  } satisfies Partial<Stripe.Subscription>)
  if (!trialEnd) sub.billing_cycle_anchor = start
  setPeriod(sub, start, end)
  if (bool(p.cancel_at_period_end, 'cancel_at_period_end')) {
    sub.cancel_at_period_end = true
    sub.cancel_at = end
    sub.canceled_at = now
  }
  emu.put('subscription', sub)
  sub.discounts = discounts.map((d: ReturnType<typeof resolveDiscount>) => redeem(emu, d, { customer: customer.id, subscription: id }, now).id)
  const invoice = buildInvoice(emu, {
    customer, currency, subscription: sub, billingReason: 'subscription_create', periodStart: start, periodEnd: start,
    lines: trialEnd
      ? sub.items.data.map((it: Obj) => ({ amount: 0, description: `Trial period for ${it.price.nickname ?? it.price.product}`, quantity: it.quantity, period: { start, end }, price: it.price, subscription: id, subscriptionItem: it.id }))
      : cycleLines(emu, sub, start, end),
  })
  claimInvoiceItems(emu, invoice)
  sub.latest_invoice = invoice.id
  emu.emit('customer.subscription.created', sub, undefined, clock)
  for (const d of sub.discounts) emu.emit('customer.discount.created', emu.find(d)!, undefined, clock)
  emu.emit('invoice.created', invoice, undefined, clock)
  finalize(emu, invoice)
  if (behaviour !== 'default_incomplete') charge(emu, invoice, payWith, false)
  if (trialEnd && trialEnd - now <= TRIAL_WILL_END_S) {
    // Stripe sends the reminder at once when the trial is shorter than three days.
    emu.metaOf(id).trial_will_end_sent = true
    emu.emit('customer.subscription.trial_will_end', sub, undefined, clock)
  }
  return sub
}

function updateSubscription(emu: Emulator, id: string, p: Record<string, any>): Obj {
  const sub = emu.get('subscription', id, 'subscription')
  if (!LIVE.includes(sub.status)) throw invalid(`A canceled subscription can only update its cancellation_details and metadata.`, 'id', 'resource_missing')
  const now = emu.now(sub.test_clock)
  if (sub.schedule && (p.cancel_at_period_end !== undefined || p.cancel_at !== undefined)) throw invalid(`The subscription is managed by the subscription schedule \`${sub.schedule}\`, and updating any cancelation behavior directly is not allowed. Please update the schedule instead.`, p.cancel_at === undefined ? 'cancel_at_period_end' : 'cancel_at')
  const cancelAtPeriodEnd = bool(p.cancel_at_period_end, 'cancel_at_period_end')
  const cancelAt = p.cancel_at === '' ? null : p.cancel_at === 'min_period_end' ? periodEnd(sub) : int(p.cancel_at, 'cancel_at')
  const pmId = p.default_payment_method === '' ? null : p.default_payment_method ? ownedBy(emu, p.default_payment_method, sub.customer, 'default_payment_method').id : undefined
  const proration = oneOf(p.proration_behavior, ['create_prorations', 'always_invoice', 'none'] as const, 'proration_behavior') ?? 'create_prorations'
  // Prorations as of a given time (the one a preview used), so the charge is the one previewed.
  const prorationDate = int(p.proration_date, 'proration_date')
  if (prorationDate !== undefined && (prorationDate < sub.items.data[0].current_period_start || prorationDate > sub.items.data[0].current_period_end)) throw invalid('proration_date must be within the current billing period.', 'proration_date')
  const payment = oneOf(p.payment_behavior, ['allow_incomplete', 'default_incomplete', 'error_if_incomplete', 'pending_if_incomplete'] as const, 'payment_behavior')
  const itemChanges: Obj[] = Array.isArray(p.items) ? p.items : []
  const planned = itemChanges.map((it, i) => ({
    item: it.id ? sub.items.data.find((x: Obj) => x.id === it.id) ?? (() => { throw invalid(`Invalid subscription item: ${it.id}`, `items[${i}][id]`) })() : null,
    price: it.price ? recurringPrice(emu, it.price, `items[${i}][price]`) : null,
    quantity: int(it.quantity, `items[${i}][quantity]`),
    deleted: bool(it.deleted, `items[${i}][deleted]`) ?? false,
  }))
  const remaining = sub.items.data.length - planned.filter((c) => c.deleted && c.item).length + planned.filter((c) => !c.item && c.price).length
  if (remaining < 1) throw invalid('A subscription must have at least one item.', 'items')
  const trialEndNow = p.trial_end === 'now'
  const newTrialEnd = p.trial_end !== undefined && !trialEndNow ? trialEndFrom({ trial_end: p.trial_end }, now) : undefined
  const oldItems = structuredClone(sub.items.data)
  const save = saveDefault(p)
  const newDiscounts = discountsParam(emu, p, sub.currency, sub.customer)
  const pending = isPendingChange(payment, proration, planned, sub)
  const oldDiscounts = (sub.discounts as string[]).map((d) => emu.find(d)!).filter(Boolean)

  changeSub(emu, sub, (s) => {
    s.metadata = mergeMetadata(s.metadata, p.metadata)
    if (pmId !== undefined) s.default_payment_method = pmId
    if (save) s.payment_settings = { ...s.payment_settings, save_default_payment_method: save }
    if (typeof p.description === 'string') s.description = p.description || null
    for (const ch of pending ? [] : planned) {
      if (ch.deleted && ch.item) s.items.data = s.items.data.filter((x: Obj) => x.id !== ch.item.id)
      else if (ch.item) {
        if (ch.price) ch.item.price = structuredClone(ch.price)
        if (ch.quantity !== undefined) ch.item.quantity = ch.quantity
      } else if (ch.price) {
        const it = buildItem(emu, s.id, ch.price, ch.quantity ?? 1, now, {})
        it.current_period_start = s.items.data[0].current_period_start
        it.current_period_end = s.items.data[0].current_period_end
        s.items.data.push(it)
      }
    }
    if (cancelAtPeriodEnd === true) {
      s.cancel_at_period_end = true
      s.cancel_at = periodEnd(s)
      s.canceled_at = now
      s.cancellation_details = { ...s.cancellation_details, reason: 'cancellation_requested', comment: p.cancellation_details?.comment ?? s.cancellation_details.comment, feedback: p.cancellation_details?.feedback ?? s.cancellation_details.feedback }
    } else if (cancelAtPeriodEnd === false || cancelAt === null) {
      s.cancel_at_period_end = false
      s.cancel_at = null
      s.canceled_at = null
      s.cancellation_details = { comment: null, feedback: null, feedback_option: null, reason: null }
    }
    if (typeof cancelAt === 'number') {
      s.cancel_at = cancelAt
      s.canceled_at = now
      s.cancel_at_period_end = cancelAt === periodEnd(s)
    }
    if (newTrialEnd != null && s.status === 'trialing') {
      s.trial_end = newTrialEnd
      setPeriod(s, s.items.data[0].current_period_start, newTrialEnd)
      emu.metaOf(s.id).trial_will_end_sent = false
    }
  })
  if (newDiscounts) replaceDiscounts(emu, sub, oldDiscounts, newDiscounts.map((d: ReturnType<typeof resolveDiscount>) => redeem(emu, d, { customer: sub.customer, subscription: sub.id }, now)))
  if (trialEndNow && sub.status === 'trialing') {
    sub.trial_end = now
    setPeriod(sub, sub.items.data[0].current_period_start, now)
  }
  if (pending) pendingChange(emu, sub, planned, prorationDate ?? now)
  else if (planned.some((c) => c.price || c.quantity !== undefined || c.deleted) && sub.status !== 'trialing') {
    prorate(emu, sub, oldItems, proration, prorationDate ?? now)
  }
  return sub
}

/**
 * A subscription's discounts replaced: customer.discount.updated when one discount takes another's
 * place, else .deleted for those removed and .created for those added (then the subscription's update).
 */
function replaceDiscounts(emu: Emulator, sub: Obj, old: Obj[], added: Obj[]): void {
  const clock = sub.test_clock ?? null
  const before = [...sub.discounts]
  sub.discounts = added.map((d) => d.id)
  if (old.length === 1 && added.length === 1) {
    emu.emit('customer.discount.updated', added[0], { source: old[0].source, promotion_code: old[0].promotion_code, start: old[0].start, end: old[0].end }, clock)
  } else {
    for (const d of old) emu.emit('customer.discount.deleted', d, undefined, clock)
    for (const d of added) emu.emit('customer.discount.created', d, undefined, clock)
  }
  if (JSON.stringify(before) !== JSON.stringify(sub.discounts)) emu.emit('customer.subscription.updated', sub, { discounts: before }, clock)
}

export const subscriptionRoutes: Route[] = [
  route('POST', '/v1/subscriptions', (emu, p) => expand(emu, createSubscription(emu, p), expandPaths(p))),
  route('GET', '/v1/subscriptions/:id', (emu, p, [id]) => expand(emu, emu.get('subscription', id, 'subscription'), expandPaths(p))),
  route('POST', '/v1/subscriptions/:id', (emu, p, [id]) => expand(emu, updateSubscription(emu, id, p), expandPaths(p))),
  route('DELETE', '/v1/subscriptions/:id', (emu, p, [id]) => {
    const sub = emu.get('subscription', id, 'subscription')
    if (!LIVE.includes(sub.status)) throw invalid(`No such subscription: '${id}'`, 'id', 'resource_missing')
    if (p.cancellation_details) sub.cancellation_details = { ...sub.cancellation_details, comment: p.cancellation_details.comment ?? null, feedback: p.cancellation_details.feedback ?? null }
    cancelNow(emu, sub, 'cancellation_requested')
    return expand(emu, sub, expandPaths(p))
  }),
  route('POST', '/v1/subscriptions/:id/resume', (emu, p, [id]) => {
    const sub = emu.get('subscription', id, 'subscription')
    if (sub.status !== 'paused') throw invalid('Only paused subscriptions can be resumed.', 'id', 'subscription_not_paused')
    const now = emu.now(sub.test_clock)
    sub.billing_cycle_anchor = now
    const customer = emu.get('customer', sub.customer, 'customer')
    const end = addInterval(now, sub.items.data[0].price.recurring.interval, sub.items.data[0].price.recurring.interval_count)
    changeSub(emu, sub, (s) => {
      s.status = 'active'
      setPeriod(s, now, end)
    })
    emu.emit('customer.subscription.resumed', sub, undefined, sub.test_clock)
    const invoice = buildInvoice(emu, { customer, currency: sub.currency, subscription: sub, billingReason: 'subscription_cycle', periodStart: now, periodEnd: end, lines: cycleLines(emu, sub, now, end) })
    claimInvoiceItems(emu, invoice)
    sub.latest_invoice = invoice.id
    emu.emit('invoice.created', invoice, undefined, sub.test_clock)
    finalize(emu, invoice)
    charge(emu, invoice, paymentMethodFor(emu, invoice), true)
    return expand(emu, sub, expandPaths(p))
  }),
  route('GET', '/v1/subscriptions', (emu, p) => {
    const status = p.status ?? 'live'
    const items = emu.all('subscription').filter((s) =>
      (!p.customer || s.customer === p.customer) &&
      (!p.price || s.items.data.some((i: Obj) => i.price.id === p.price)) &&
      (!p.test_clock || s.test_clock === p.test_clock) &&
      (status === 'all' || (status === 'live' ? s.status !== 'canceled' && s.status !== 'incomplete_expired' : s.status === status)))
    return page(emu, '/v1/subscriptions', items, p)
  }),
  route('GET', '/v1/subscription_items', (emu, p) => {
    if (!p.subscription) throw required('subscription')
    const sub = emu.get('subscription', p.subscription, 'subscription', 'subscription')
    return page(emu, '/v1/subscription_items', sub.items.data, p)
  }),
]
