// The events each billing scenario emits, in order, and what test clocks make happen as time passes.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import Stripe from 'stripe'
import { harnessWithPlan, type Harness } from './harness.ts'

let h: Harness
let stripe: Stripe
let price: Stripe.Price
let yearly: Stripe.Price
const DAY = 86_400

beforeAll(async () => {
  ;({ h, stripe, price } = await harnessWithPlan())
  yearly = await stripe.prices.create({ product: price.product as string, unit_amount: 29000, currency: 'usd', recurring: { interval: 'year' } })
})
afterAll(() => h.close())

let clock: Stripe.TestHelpers.TestClock
let mark = 0
beforeEach(async () => {
  clock = await stripe.testHelpers.testClocks.create({ frozen_time: Date.UTC(2026, 0, 15, 12) / 1000 })
  await h.settle()
  mark = h.received.length
})

async function customer(card: string | null) {
  return stripe.customers.create({ email: 'scenario@example.test', test_clock: clock.id, ...(card ? { payment_method: card, invoice_settings: { default_payment_method: card } } : {}) })
}

/** Event types since the last call, without set-up, clock bookkeeping and the card payments' own events. */
async function events(): Promise<string[]> {
  const types = (await h.settle(mark)).filter((t) => !t.startsWith('test_helpers.') && !t.startsWith('charge.') && !t.startsWith('payment_intent.') && !['customer.created', 'payment_method.attached', 'customer.updated'].includes(t))
  mark = h.received.length
  return types
}

async function advance(days: number) {
  clock = await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: clock.frozen_time + days * DAY })
  expect(clock.status).toBe('ready')
}

describe('scenarios', () => {
  it('a new paid subscription: created, then its first invoice created, finalized, paid', async () => {
    const c = await customer('pm_card_visa')
    const sub = await stripe.subscriptions.create({ customer: c.id, items: [{ price: price.id }] })
    expect(sub.status).toBe('active')
    expect(await events()).toEqual(['customer.subscription.created', 'invoice.created', 'invoice.finalized', 'invoice.paid', 'invoice.payment_succeeded'])
    const item = sub.items.data[0]
    expect(item.current_period_start).toBe(clock.frozen_time)
    expect(item.current_period_end).toBe(Date.UTC(2026, 1, 15, 12) / 1000)
    const invoice = await stripe.invoices.retrieve(sub.latest_invoice as string)
    expect(invoice).toMatchObject({ status: 'paid', amount_due: 2900, amount_paid: 2900, currency: 'usd', billing_reason: 'subscription_create' })
    expect(invoice.number).toMatch(/^[A-Z0-9]+-0001$/)
    expect(invoice.hosted_invoice_url).toContain(`/invoice/${invoice.id}`)
    expect(invoice.status_transitions.paid_at).toBe(clock.frozen_time)
    expect(invoice.parent?.subscription_details?.subscription).toBe(sub.id)
  })

  it('a card payment raises its PaymentIntent and Charge events, linked to the invoice through its payments', async () => {
    const c = await customer('pm_card_visa')
    const sub = await stripe.subscriptions.create({ customer: c.id, items: [{ price: price.id }] })
    const types = await h.settle(mark)
    mark = h.received.length
    expect(types.filter((t) => t.startsWith('charge.') || t.startsWith('payment_intent.'))).toEqual(['payment_intent.created', 'charge.succeeded', 'payment_intent.succeeded'])
    expect(types.indexOf('payment_intent.succeeded')).toBeLessThan(types.indexOf('invoice.paid'))
    const invoice = await stripe.invoices.retrieve(sub.latest_invoice as string, { expand: ['payments'] })
    const intentId = invoice.payments!.data[0].payment.payment_intent as string
    const intent = await stripe.paymentIntents.retrieve(intentId)
    expect(intent).toMatchObject({ status: 'succeeded', amount: 2900, customer: c.id })
    const ch = await stripe.charges.retrieve(intent.latest_charge as string)
    expect(ch).toMatchObject({ paid: true, status: 'succeeded', payment_intent: intentId, amount: 2900 })
    expect((await stripe.invoices.retrieve(invoice.id)).payments).toBeUndefined()
    const listed = await stripe.invoices.list({ customer: c.id, expand: ['data.payments'] })
    expect(listed.data[0].payments?.data[0].payment.payment_intent).toBe(intentId)
    const failing = await customer('pm_card_chargeCustomerFail')
    await stripe.subscriptions.create({ customer: failing.id, items: [{ price: price.id }] })
    expect((await h.settle(mark)).filter((t) => t.startsWith('charge.') || t.startsWith('payment_intent.'))).toEqual(['payment_intent.created', 'charge.failed', 'payment_intent.payment_failed'])
    mark = h.received.length
  })

  it('trial then paid: trial_will_end three days before, then the first real invoice is paid', async () => {
    const c = await customer('pm_card_visa')
    const sub = await stripe.subscriptions.create({ customer: c.id, items: [{ price: price.id }], trial_period_days: 14 })
    expect(sub).toMatchObject({ status: 'trialing', trial_end: clock.frozen_time + 14 * DAY })
    expect(await events()).toEqual(['customer.subscription.created', 'invoice.created', 'invoice.finalized', 'invoice.paid', 'invoice.payment_succeeded'])
    await advance(11)
    expect(await events()).toEqual(['customer.subscription.trial_will_end'])
    await advance(3)
    expect(await events()).toEqual(['customer.subscription.updated', 'invoice.created'])
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe('active')
    await advance(1)
    expect(await events()).toEqual(['invoice.finalized', 'invoice.paid', 'invoice.payment_succeeded'])
    const invoices = await stripe.invoices.list({ customer: c.id })
    expect(invoices.data.map((i) => [i.billing_reason, i.amount_paid])).toEqual([['subscription_cycle', 2900], ['subscription_create', 0]])
  })

  it('a failed renewal goes past_due, retries on schedule, and recovers when a working card pays', async () => {
    const c = await customer('pm_card_visa')
    const sub = await stripe.subscriptions.create({ customer: c.id, items: [{ price: price.id }] })
    const failing = await stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: c.id })
    await stripe.customers.update(c.id, { invoice_settings: { default_payment_method: failing.id } })
    await events()
    await advance(31 + 1)
    expect(await events()).toEqual(['customer.subscription.updated', 'invoice.created', 'invoice.finalized', 'invoice.payment_failed', 'customer.subscription.updated'])
    const failed = (await stripe.invoices.list({ customer: c.id, status: 'open' })).data[0]
    expect(failed).toMatchObject({ attempt_count: 1, amount_remaining: 2900 })
    expect(failed.next_payment_attempt).toBe(failed.status_transitions.finalized_at! + 3 * DAY)
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe('past_due')
    await advance(3)
    expect(await events()).toEqual(['invoice.payment_failed'])
    expect((await stripe.invoices.retrieve(failed.id)).attempt_count).toBe(2)
    const visa = await stripe.paymentMethods.attach('pm_card_visa', { customer: c.id })
    await stripe.customers.update(c.id, { invoice_settings: { default_payment_method: visa.id } })
    await events()
    await advance(5)
    expect(await events()).toEqual(['invoice.paid', 'invoice.payment_succeeded', 'customer.subscription.updated'])
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe('active')
    expect((await stripe.invoices.retrieve(failed.id))).toMatchObject({ status: 'paid', attempt_count: 3, next_payment_attempt: null })
  })

  it('cancels the subscription after the last dunning retry fails', async () => {
    const c = await customer('pm_card_chargeCustomerFail')
    const sub = await stripe.subscriptions.create({ customer: c.id, items: [{ price: price.id }], trial_period_days: 5 })
    await events()
    await advance(5 + 1)
    await advance(3 + 5 + 7 + 1)
    const types = await events()
    expect(types.filter((t) => t === 'invoice.payment_failed')).toHaveLength(4)
    expect(types.at(-1)).toBe('customer.subscription.deleted')
    expect(await stripe.subscriptions.retrieve(sub.id)).toMatchObject({ status: 'canceled', cancellation_details: { reason: 'payment_failed' } })
  })

  it('cancel at period end: updated now with previous_attributes, deleted when the period ends', async () => {
    const c = await customer('pm_card_visa')
    const sub = await stripe.subscriptions.create({ customer: c.id, items: [{ price: price.id }] })
    await events()
    const updated = await stripe.subscriptions.update(sub.id, { cancel_at_period_end: true })
    expect(updated).toMatchObject({ status: 'active', cancel_at_period_end: true, cancel_at: sub.items.data[0].current_period_end, canceled_at: clock.frozen_time })
    expect(await events()).toEqual(['customer.subscription.updated'])
    const event = h.received.at(-1)!.event
    expect(event.data.previous_attributes).toMatchObject({ cancel_at_period_end: false, cancel_at: null, canceled_at: null })
    await advance(31)
    expect(await events()).toEqual(['customer.subscription.deleted'])
    expect(await stripe.subscriptions.retrieve(sub.id)).toMatchObject({ status: 'canceled', ended_at: sub.items.data[0].current_period_end })
    expect((await stripe.subscriptions.list({ customer: c.id })).data).toHaveLength(0)
    expect((await stripe.subscriptions.list({ customer: c.id, status: 'all' })).data).toHaveLength(1)
  })

  it('cancel now: deleted at once; resuming before the end keeps it', async () => {
    const c = await customer('pm_card_visa')
    const keep = await stripe.subscriptions.create({ customer: c.id, items: [{ price: price.id }] })
    await stripe.subscriptions.update(keep.id, { cancel_at_period_end: true })
    await stripe.subscriptions.update(keep.id, { cancel_at_period_end: false })
    await events()
    const gone = await stripe.subscriptions.cancel(keep.id)
    expect(gone).toMatchObject({ status: 'canceled', ended_at: clock.frozen_time })
    expect(await events()).toEqual(['customer.subscription.deleted'])
    await expect(stripe.subscriptions.update(keep.id, { metadata: { a: 'b' }, items: [{ id: keep.items.data[0].id, price: yearly.id }] })).rejects.toMatchObject({ statusCode: 400 })
  })

  it('plan change with proration: the credit and the new charge land on the next invoice', async () => {
    const c = await customer('pm_card_visa')
    const sub = await stripe.subscriptions.create({ customer: c.id, items: [{ price: price.id }] })
    const bigger = await stripe.prices.create({ product: price.product as string, unit_amount: 5900, currency: 'usd', recurring: { interval: 'month' } })
    await events()
    await advance(15)
    await events()
    const changed = await stripe.subscriptions.update(sub.id, { items: [{ id: sub.items.data[0].id, price: bigger.id }] })
    expect(changed.items.data[0].price.id).toBe(bigger.id)
    expect(await events()).toEqual(['customer.subscription.updated', 'invoiceitem.created', 'invoiceitem.created'])
    const pending = await stripe.invoiceItems.list({ customer: c.id, pending: true })
    const net = pending.data.reduce((s, i) => s + i.amount, 0)
    expect(net).toBeGreaterThan(0)
    expect(net).toBeLessThan(3000)
    await advance(17)
    const renewal = (await stripe.invoices.list({ customer: c.id })).data[0]
    expect(renewal.billing_reason).toBe('subscription_cycle')
    expect(renewal.amount_due).toBe(5900 + net)
    const yearlyChange = await stripe.subscriptions.update(sub.id, { items: [{ id: sub.items.data[0].id, price: yearly.id }] })
    expect(yearlyChange.items.data[0].current_period_end - yearlyChange.items.data[0].current_period_start).toBe(365 * DAY)
    expect((await stripe.invoices.list({ customer: c.id, limit: 1 })).data[0]).toMatchObject({ billing_reason: 'subscription_update', status: 'paid' })
  })

  it('a first payment that fails leaves the subscription incomplete, then incomplete_expired after 23 hours', async () => {
    const c = await customer('pm_card_chargeCustomerFail')
    const sub = await stripe.subscriptions.create({ customer: c.id, items: [{ price: price.id }] })
    expect(sub.status).toBe('incomplete')
    expect(await events()).toEqual(['customer.subscription.created', 'invoice.created', 'invoice.finalized', 'invoice.payment_failed'])
    await expect(stripe.subscriptions.create({ customer: c.id, items: [{ price: price.id }], payment_behavior: 'error_if_incomplete' })).rejects.toMatchObject({ statusCode: 402 })
    expect((await stripe.subscriptions.list({ customer: c.id, status: 'all' })).data).toHaveLength(1)
    await advance(1)
    expect(await events()).toEqual(['invoice.voided', 'customer.subscription.updated'])
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe('incomplete_expired')
  })

  it('renews every month for a year on a test clock, one paid invoice per period', async () => {
    const c = await customer('pm_card_visa')
    await stripe.subscriptions.create({ customer: c.id, items: [{ price: price.id }] })
    await advance(366)
    const invoices = await stripe.invoices.list({ customer: c.id, limit: 100 })
    expect(invoices.data).toHaveLength(13)
    expect(invoices.data.every((i) => i.status === 'paid')).toBe(true)
    expect(new Set(invoices.data.map((i) => i.number)).size).toBe(13)
  })
})
