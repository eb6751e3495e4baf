// Creating a subscription: items, quantity, trials, default payment method, payment_behavior, discounts;
// the first invoice is made, finalized and charged at once (or the trial starts).
import type Stripe from 'stripe'
import { shape, listOf, type Obj } from '../shape.ts'
import type { Emulator } from '../emulator.ts'
import { cardDeclined, invalid, required } from '../errors.ts'
import { bool, int } from '../list.ts'
import { mergeMetadata, oneOf } from './common.ts'
import { ownedBy } from './payment-methods.ts'
import { addInterval, type Interval } from '../billing/periods.ts'
import { buildInvoice, finalize, wouldPay } from '../billing/invoices.ts'
import { charge, claimInvoiceItems, cycleLines, setPeriod, TRIAL_WILL_END_S } from '../billing/lifecycle.ts'
import { redeem, resolveDiscount } from '../billing/discounts.ts'
import { recurringPrice, buildItem, saveDefault, discountsParam, trialEndFrom } from './subscription-params.ts'

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
