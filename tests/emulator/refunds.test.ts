// Refunds as Stripe documents them ("Refund and cancel payments"; API reference "Create a refund"):
// partial and full, by PaymentIntent or Charge; the charge's amount_refunded and refunded; the events
// refund.created, charge.refunded and refund.updated; and the errors for too much or a second refund.
import { describe, expect, it } from 'vitest'
import Stripe from 'stripe'
import { emulatorForFile, harnessWithPlan, type Harness } from './harness.ts'

let h: Harness
let stripe: Stripe
let price: Stripe.Price

emulatorForFile((started) => ({ h, stripe, price } = started), harnessWithPlan)

/** A paid subscription invoice's PaymentIntent id and charge. */
async function paidIntent() {
  const c = await stripe.customers.create({ email: 'refund@example.test', payment_method: 'pm_card_visa', invoice_settings: { default_payment_method: 'pm_card_visa' } })
  const sub = await stripe.subscriptions.create({ customer: c.id, items: [{ price: price.id }] })
  const invoice = await stripe.invoices.retrieve(sub.latest_invoice as string, { expand: ['payments'] })
  const intentId = invoice.payments!.data[0].payment.payment_intent as string
  const intent = await stripe.paymentIntents.retrieve(intentId)
  return { customer: c, intentId, chargeId: intent.latest_charge as string }
}

async function eventsSince(from: number) {
  await h.settle()
  return h.received.slice(from).map((r) => r.event)
}

describe('refunds', () => {
  it('a partial refund by PaymentIntent, then the rest by charge: amount_refunded and refunded follow, with refund.created and charge.refunded each time', async () => {
    const { customer, intentId, chargeId } = await paidIntent()
    await h.settle()
    const from = h.received.length
    const first = await stripe.refunds.create({ payment_intent: intentId, amount: 1000, reason: 'requested_by_customer' })
    expect(first).toMatchObject({ object: 'refund', amount: 1000, currency: 'usd', charge: chargeId, payment_intent: intentId, status: 'succeeded', reason: 'requested_by_customer' })
    expect(await stripe.charges.retrieve(chargeId)).toMatchObject({ amount_refunded: 1000, refunded: false })
    const rest = await stripe.refunds.create({ charge: chargeId })
    expect(rest.amount).toBe(1900)
    expect(await stripe.charges.retrieve(chargeId)).toMatchObject({ amount_refunded: 2900, refunded: true })

    const events = await eventsSince(from)
    expect(events.map((e) => e.type)).toEqual(['refund.created', 'charge.refunded', 'refund.created', 'charge.refunded'])
    const [created, refunded] = events
    expect(created.data.object).toMatchObject({ id: first.id, amount: 1000 })
    expect(refunded.data.object).toMatchObject({ id: chargeId, amount_refunded: 1000, refunded: false })
    expect(refunded.data.previous_attributes).toEqual({ amount_refunded: 0, refunded: false })
    expect((await stripe.refunds.list({ payment_intent: intentId })).data.map((r) => r.id)).toEqual([rest.id, first.id])
    expect(customer.id).toBe((await stripe.charges.retrieve(chargeId)).customer)
  })

  it('refund.updated when a refund changes', async () => {
    const { intentId } = await paidIntent()
    const refund = await stripe.refunds.create({ payment_intent: intentId, amount: 500 })
    await h.settle()
    const from = h.received.length
    const updated = await stripe.refunds.update(refund.id, { metadata: { ticket: 'T-1' } })
    expect(updated.metadata).toEqual({ ticket: 'T-1' })
    const [event] = await eventsSince(from)
    expect(event.type).toBe('refund.updated')
    expect(event.data.previous_attributes).toEqual({ metadata: {} })
  })

  it('refuses more than the unrefunded amount, a second full refund and an unpaid intent, with Stripe\'s errors', async () => {
    const { intentId, chargeId } = await paidIntent()
    await h.settle()
    const from = h.received.length
    // Stripe's refusal: a 400 on param amount without a code, naming the charge's amount while nothing was
    // refunded, and what is left after that; nothing changes (no refund, no event, the charge as it was).
    const tooMuch = { statusCode: 400, type: 'StripeInvalidRequestError', param: 'amount', code: undefined }
    await expect(stripe.refunds.create({ payment_intent: intentId, amount: 3000 })).rejects.toMatchObject({ ...tooMuch, message: 'Refund amount ($30.00) is greater than charge amount ($29.00)' })
    expect((await stripe.refunds.list({ payment_intent: intentId })).data).toEqual([])
    expect(await stripe.charges.retrieve(chargeId)).toMatchObject({ amount_refunded: 0, refunded: false })
    expect(await eventsSince(from)).toEqual([])
    await stripe.refunds.create({ payment_intent: intentId, amount: 2000 })
    await expect(stripe.refunds.create({ charge: chargeId, amount: 901 })).rejects.toMatchObject({ ...tooMuch, message: 'Refund amount ($9.01) is greater than unrefunded amount on charge ($9.00)' })
    expect((await stripe.refunds.list({ payment_intent: intentId })).data.map((r) => r.amount)).toEqual([2000])
    expect((await stripe.charges.retrieve(chargeId)).amount_refunded).toBe(2000)
    await stripe.refunds.create({ charge: chargeId })
    await expect(stripe.refunds.create({ charge: chargeId })).rejects.toMatchObject({ statusCode: 400, code: 'charge_already_refunded' })
    expect((await stripe.charges.retrieve(chargeId)).amount_refunded).toBe(2900)
    await expect(stripe.refunds.create({ payment_intent: 'pi_missing' })).rejects.toMatchObject({ statusCode: 404, code: 'resource_missing', param: 'payment_intent' })
    await expect(stripe.refunds.create({})).rejects.toMatchObject({ statusCode: 400, code: 'parameter_missing' })
  })
})
