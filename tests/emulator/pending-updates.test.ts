// Pending updates in the emulator (`payment_behavior=pending_if_incomplete`), in strict mode: a paid
// upgrade applies at once; a declined one leaves the subscription's items as they were and records
// the change in `pending_update` with the open invoice, which paying applies, voiding or expiry drops.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type Stripe from 'stripe'
import { harness, type Harness } from './harness.ts'

let h: Harness
let stripe: Stripe
let basic: Stripe.Price
let pro: Stripe.Price
beforeAll(async () => {
  h = await harness({ conformance: 'strict', conformanceReport: null })
  stripe = h.stripe
  const product = await stripe.products.create({ name: 'Pending' })
  ;[basic, pro] = await Promise.all([
    stripe.prices.create({ product: product.id, unit_amount: 1000, currency: 'usd', recurring: { interval: 'month' } }),
    stripe.prices.create({ product: product.id, unit_amount: 3000, currency: 'usd', recurring: { interval: 'month' } }),
  ])
})
afterAll(() => h.close())

/** A subscription to `basic` paid with a good card, then charging `card` from now on. */
async function subscribed(card: string) {
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: Math.floor(Date.now() / 1000) })
  const customer = await stripe.customers.create({ test_clock: clock.id, payment_method: 'pm_card_visa', invoice_settings: { default_payment_method: 'pm_card_visa' } })
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: basic.id }] })
  const pm = await stripe.paymentMethods.attach(card, { customer: customer.id })
  await stripe.subscriptions.update(sub.id, { default_payment_method: pm.id })
  return { clock, sub }
}

const upgrade = (sub: Stripe.Subscription) =>
  stripe.subscriptions.update(sub.id, { items: [{ id: sub.items.data[0].id, price: pro.id }], proration_behavior: 'always_invoice', payment_behavior: 'pending_if_incomplete' })

describe('pending updates', () => {
  it('apply at once when the invoice is paid', async () => {
    const { sub } = await subscribed('pm_card_mastercard')
    const after = await upgrade(sub)
    expect(after).toMatchObject({ status: 'active', pending_update: null, items: { data: [{ price: { id: pro.id } }] } })
    expect(await stripe.invoices.retrieve(after.latest_invoice as string)).toMatchObject({ status: 'paid', billing_reason: 'subscription_update' })
  })

  it('leave a declined upgrade pending: the items, status and period stay, the change waits on the open invoice', async () => {
    const { sub } = await subscribed('pm_card_chargeCustomerFail')
    await h.settle()
    const from = h.received.length
    const after = await upgrade(sub)
    expect(after).toMatchObject({ status: 'active', items: { data: [{ price: { id: basic.id } }] } })
    expect(after.pending_update).toMatchObject({ subscription_items: [{ id: sub.items.data[0].id, price: { id: pro.id } }] })
    expect(after.pending_update!.expires_at - after.items.data[0].current_period_start).toBeGreaterThan(22 * 3600)
    expect(await stripe.invoices.retrieve(after.latest_invoice as string)).toMatchObject({ status: 'open', attempt_count: 1, billing_reason: 'subscription_update' })
    const types = await h.settle(from)
    expect(types).toContain('invoice.payment_failed')
    const updated = h.received.slice(from).filter((r) => r.event.type === 'customer.subscription.updated').map((r) => r.event.data.previous_attributes ?? {})
    expect(updated.some((prev) => 'items' in prev)).toBe(false)
    expect((await stripe.subscriptions.retrieve(sub.id)).items.data[0].price.id).toBe(basic.id)
  })

  it('apply when the open invoice is paid later, with pending_update_applied', async () => {
    const { sub } = await subscribed('pm_card_chargeCustomerFail')
    const pending = await upgrade(sub)
    await h.settle()
    const from = h.received.length
    await stripe.invoices.pay(pending.latest_invoice as string, { payment_method: 'pm_card_visa' })
    expect(await stripe.subscriptions.retrieve(sub.id)).toMatchObject({ pending_update: null, items: { data: [{ price: { id: pro.id } }] } })
    expect(await h.settle(from)).toContain('customer.subscription.pending_update_applied')
  })

  it('are dropped when the invoice is voided, and expire after 23 hours', async () => {
    const voided = await subscribed('pm_card_chargeCustomerFail')
    const first = await upgrade(voided.sub)
    await stripe.invoices.voidInvoice(first.latest_invoice as string)
    expect(await stripe.subscriptions.retrieve(voided.sub.id)).toMatchObject({ pending_update: null, items: { data: [{ price: { id: basic.id } }] } })

    const left = await subscribed('pm_card_chargeCustomerFail')
    const second = await upgrade(left.sub)
    await h.settle()
    const from = h.received.length
    await stripe.testHelpers.testClocks.advance(left.clock.id, { frozen_time: second.pending_update!.expires_at + 60 })
    expect(await stripe.subscriptions.retrieve(left.sub.id)).toMatchObject({ pending_update: null, items: { data: [{ price: { id: basic.id } }] } })
    expect(await h.settle(from)).toContain('customer.subscription.pending_update_expired')
  })
})
