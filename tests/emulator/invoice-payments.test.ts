// How an invoice collects money, as Stripe documents it: one PaymentIntent per invoice across automatic
// retries and manual attempts ("Automate payment retries"; API reference "The InvoicePayment object"),
// and `payment_settings.save_default_payment_method` (API reference "The Subscription object").
import { describe, expect, it } from 'vitest'
import Stripe from 'stripe'
import { clockPerTest, emulatorForFile, harnessWithPlan, type Harness } from './harness.ts'

let h: Harness
let stripe: Stripe
let price: Stripe.Price

emulatorForFile((started) => ({ h, stripe, price } = started), harnessWithPlan)
const clock = clockPerTest(() => stripe)

const advance = (days: number) => clock.advance(days)

/** A subscription paid by visa, whose card then fails: the first renewal and its first retry fail. */
async function failingRenewal(save: 'off' | 'on_subscription' = 'off') {
  const c = await stripe.customers.create({ email: 'pay@example.test', test_clock: clock.current.id, payment_method: 'pm_card_visa', invoice_settings: { default_payment_method: 'pm_card_visa' } })
  const sub = await stripe.subscriptions.create({ customer: c.id, items: [{ price: price.id }], payment_settings: { save_default_payment_method: save } })
  const failing = await stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: c.id })
  await stripe.subscriptions.update(sub.id, { default_payment_method: failing.id })
  await advance(32)
  await advance(3)
  const invoice = (await stripe.invoices.list({ subscription: sub.id, status: 'open' })).data[0]
  expect(invoice.attempt_count).toBe(2)
  return { c, sub, invoice, failing }
}

async function payOnHostedPage(invoice: Stripe.Invoice, card: string) {
  const res = await fetch(invoice.hosted_invoice_url!, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ card }) })
  expect(res.status).toBe(200)
}

async function intentsOf(invoiceId: string) {
  const inv = await stripe.invoices.retrieve(invoiceId, { expand: ['payments'] })
  return inv.payments!.data
}

describe('one PaymentIntent per invoice', () => {
  it('keeps one PaymentIntent across automatic retries and a payment on the hosted invoice page', async () => {
    const { c, invoice } = await failingRenewal()
    await h.settle()
    const from = h.received.length
    let payments = await intentsOf(invoice.id)
    expect(payments).toHaveLength(1)
    expect(payments[0]).toMatchObject({ object: 'invoice_payment', status: 'open', amount_paid: null, amount_requested: 2900, is_default: true, invoice: invoice.id })
    const intentId = payments[0].payment.payment_intent as string
    expect(await stripe.paymentIntents.retrieve(intentId)).toMatchObject({ status: 'requires_payment_method', last_payment_error: { code: 'card_declined' } })

    await payOnHostedPage(invoice, 'pm_card_visa')
    payments = await intentsOf(invoice.id)
    expect(payments).toHaveLength(1)
    expect(payments[0]).toMatchObject({ status: 'paid', amount_paid: 2900, payment: { type: 'payment_intent', payment_intent: intentId } })
    expect(payments[0].status_transitions.paid_at).toBe(clock.current.frozen_time)
    const intent = await stripe.paymentIntents.retrieve(intentId)
    expect(intent).toMatchObject({ status: 'succeeded', amount_received: 2900, last_payment_error: null })
    // Each attempt is its own Charge on the one intent: two failed retries, then the paid one.
    const charges = (await stripe.charges.list({ payment_intent: intentId })).data
    expect(charges.map((ch) => ch.status)).toEqual(['succeeded', 'failed', 'failed'])
    expect(intent.latest_charge).toBe(charges[0].id)
    const types = (await h.settle(from)).filter((t) => t.startsWith('payment_intent.') || t.startsWith('charge.'))
    expect(types).toEqual(['charge.succeeded', 'payment_intent.succeeded'])
    const allIntents = (await stripe.invoices.list({ customer: c.id, expand: ['data.payments'] })).data.flatMap((i) => i.payments!.data)
    expect(allIntents).toHaveLength(2)
  })

  it('invoices.pay with another card charges the same PaymentIntent; payment_intent.created is sent once', async () => {
    const from = h.received.length
    const { c, invoice } = await failingRenewal()
    const [before] = await intentsOf(invoice.id)
    const card = await stripe.paymentMethods.attach('pm_card_mastercard', { customer: c.id })
    const paid = await stripe.invoices.pay(invoice.id, { payment_method: card.id })
    expect(paid.status).toBe('paid')
    const after = await intentsOf(invoice.id)
    expect(after).toHaveLength(1)
    expect(after[0].payment.payment_intent).toBe(before.payment.payment_intent)
    const listed = await stripe.invoicePayments.list({ invoice: invoice.id })
    expect(listed.data.map((p) => p.id)).toEqual([after[0].id])
    await h.settle(from)
    const created = h.received.slice(from).filter((r) => r.event.type === 'payment_intent.created' && (r.event.data.object as Stripe.PaymentIntent).id === before.payment.payment_intent)
    expect(created).toHaveLength(1)
  })

  it('voiding an unpaid invoice cancels its PaymentIntent and InvoicePayment', async () => {
    const { invoice } = await failingRenewal()
    await stripe.invoices.voidInvoice(invoice.id)
    const [payment] = await intentsOf(invoice.id)
    expect(payment.status).toBe('canceled')
    expect(await stripe.paymentIntents.retrieve(payment.payment.payment_intent as string)).toMatchObject({ status: 'canceled', cancellation_reason: 'void_invoice' })
  })
})

describe('payment_settings.save_default_payment_method', () => {
  it('on_subscription: the card that pays the failed invoice becomes the subscription default, and pays the next renewal', async () => {
    const { c, sub } = await failingRenewal('on_subscription')
    expect((await stripe.subscriptions.retrieve(sub.id)).payment_settings?.save_default_payment_method).toBe('on_subscription')
    const invoice = (await stripe.invoices.list({ subscription: sub.id, status: 'open' })).data[0]
    await h.settle()
    const from = h.received.length
    await payOnHostedPage(invoice, 'pm_card_mastercard')
    const now = await stripe.subscriptions.retrieve(sub.id)
    const pm = await stripe.paymentMethods.retrieve(now.default_payment_method as string)
    expect(pm.card?.last4).toBe('4444')
    expect(pm.customer).toBe(c.id)
    const updated = (await h.settle(from)).filter((t) => t === 'customer.subscription.updated')
    expect(updated.length).toBeGreaterThan(0)
    await advance(28)
    const renewal = (await stripe.invoices.list({ subscription: sub.id, limit: 1 })).data[0]
    expect(renewal).toMatchObject({ billing_reason: 'subscription_cycle', status: 'paid' })
  })

  it('off (the default): paying with a new card leaves the subscription default unchanged', async () => {
    const { sub, failing, invoice } = await failingRenewal('off')
    await payOnHostedPage(invoice, 'pm_card_mastercard')
    expect((await stripe.subscriptions.retrieve(sub.id)).default_payment_method).toBe(failing.id)
  })

  it('refuses an unknown value with Stripe\'s invalid-parameter error', async () => {
    const c = await stripe.customers.create({ email: 'x@example.test', payment_method: 'pm_card_visa', invoice_settings: { default_payment_method: 'pm_card_visa' } })
    await expect(h.emulator.emu.conformance.expectingRefusals(() => stripe.subscriptions.create({ customer: c.id, items: [{ price: price.id }], payment_settings: { save_default_payment_method: 'always' as 'off' } })))
      .rejects.toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError', param: 'payment_settings[save_default_payment_method]' })
  })
})

describe('a one-time payment through Checkout (payment mode)', () => {
  it('makes a real, succeeded PaymentIntent and Charge for amount_total, with their events, and it can be refunded', async () => {
    const once = await stripe.prices.create({ product: price.product as string, unit_amount: 700, currency: 'usd' })
    const c = await stripe.customers.create({ email: 'once@example.test' })
    const session = await stripe.checkout.sessions.create({ mode: 'payment', customer: c.id, line_items: [{ price: once.id, quantity: 3 }], success_url: 'http://app.test/ok' })
    await h.settle()
    const from = h.received.length
    const res = await fetch(session.url!, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'card=pm_card_visa' })
    expect(res.status).toBe(303)
    const done = await stripe.checkout.sessions.retrieve(session.id)
    expect(done).toMatchObject({ status: 'complete', payment_status: 'paid', amount_total: 2100 })
    const intent = await stripe.paymentIntents.retrieve(done.payment_intent as string)
    expect(intent).toMatchObject({ status: 'succeeded', amount: 2100, amount_received: 2100, customer: c.id })
    expect(await stripe.charges.retrieve(intent.latest_charge as string)).toMatchObject({ status: 'succeeded', paid: true, amount: 2100, payment_intent: intent.id })
    const types = (await h.settle(from)).filter((t) => t.startsWith('payment_intent.') || t.startsWith('charge.'))
    expect(types).toEqual(['payment_intent.created', 'charge.succeeded', 'payment_intent.succeeded'])
    expect(await stripe.refunds.create({ payment_intent: intent.id })).toMatchObject({ amount: 2100, status: 'succeeded' })
  })
})
