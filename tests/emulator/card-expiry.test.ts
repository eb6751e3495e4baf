// A card's expiry changed through the API (API reference "Update a PaymentMethod": card[exp_month],
// card[exp_year], as when a customer's bank renews the card): the card changes, payment_method.updated
// says what it was, and an expiry already past is refused with Stripe's errors, changing nothing.
import { describe, expect, it } from 'vitest'
import type Stripe from 'stripe'
import { emulatorForFile, type Harness } from './harness.ts'

let h: Harness
let stripe: Stripe
emulatorForFile((started) => ({ h, stripe } = started))

describe('a card\'s expiry', () => {
  it('changes with card[exp_month] and card[exp_year], and payment_method.updated carries the old expiry', async () => {
    const c = await stripe.customers.create({ email: 'expiry@example.test' })
    const pm = await stripe.paymentMethods.attach('pm_card_visa', { customer: c.id })
    const year = new Date().getUTCFullYear()
    await h.settle()
    const from = h.received.length
    const updated = await stripe.paymentMethods.update(pm.id, { card: { exp_month: 2, exp_year: year + 1 } })
    expect(updated.card).toMatchObject({ exp_month: 2, exp_year: year + 1, last4: '4242' })
    expect((await stripe.paymentMethods.retrieve(pm.id)).card).toMatchObject({ exp_month: 2, exp_year: year + 1 })
    await h.settle()
    const [event] = h.received.slice(from).map((r) => r.event)
    expect(event.type).toBe('payment_method.updated')
    expect(event.data.previous_attributes).toMatchObject({ card: { exp_month: pm.card!.exp_month, exp_year: pm.card!.exp_year } })
  })

  it('refuses an expiry already past, with Stripe\'s codes, leaving the card as it was', async () => {
    const c = await stripe.customers.create({ email: 'expired@example.test' })
    const pm = await stripe.paymentMethods.attach('pm_card_visa', { customer: c.id })
    const now = new Date()
    await expect(stripe.paymentMethods.update(pm.id, { card: { exp_year: now.getUTCFullYear() - 1 } }))
      .rejects.toMatchObject({ statusCode: 400, code: 'invalid_expiry_year', param: 'card[exp_year]' })
    await expect(stripe.paymentMethods.update(pm.id, { card: { exp_month: 13 } }))
      .rejects.toMatchObject({ statusCode: 400, code: 'invalid_expiry_month', param: 'card[exp_month]' })
    expect((await stripe.paymentMethods.retrieve(pm.id)).card).toMatchObject({ exp_month: pm.card!.exp_month, exp_year: pm.card!.exp_year })
  })
})
