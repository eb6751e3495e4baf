// The README's demo (and npm start's "Next:" steps), Stripe's side, on an emulator with the demo
// catalogue: the portal's forms posted as a browser posts them, the clock moved as `npm run emulator --
// advance <days>` moves it. Cancelling at the period end ends the subscription only after the second
// advance, which is what brings the data export.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { loadCatalog } from '../../scripts/stripe-catalog/catalog.ts'
import { setupCatalog } from '../../scripts/stripe-catalog/setup.ts'
import { startStripe, type EmulatedStripe } from '../helpers/stripe-emulator.ts'

let emulated: EmulatedStripe
beforeAll(async () => {
  emulated = await startStripe()
  await setupCatalog(emulated.stripe, loadCatalog())
})
afterAll(async () => {
  await emulated.close()
})

const advanceDays = async (days: number) => {
  const res = await fetch(`${emulated.running.url}/_emulator/clock/advance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ seconds: days * 86_400 }) })
  expect(res.status).toBe(200)
}

describe('the demo steps', () => {
  test('fail with 0341 and advance 32, recover with 4242 and Pay, cancel and advance 32: the subscription ends', { timeout: 60_000 }, async () => {
    const { stripe } = emulated
    const [price] = (await stripe.prices.list({ lookup_keys: ['starter_monthly'] })).data
    const customer = await stripe.customers.create({ email: 'demo@example.test', payment_method: 'pm_card_visa', invoice_settings: { default_payment_method: 'pm_card_visa' } })
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] })
    expect(sub.status).toBe('active')
    const portal = async (form: Record<string, string>) => {
      const session = await stripe.billingPortal.sessions.create({ customer: customer.id })
      const res = await fetch(session.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) })
      return { status: res.status, html: await res.text() }
    }
    // 2. A failed payment.
    expect((await portal({ action: 'update_card', card: 'pm_card_chargeCustomerFail' })).html).toContain('Your payment method has been updated.')
    await advanceDays(32)
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe('past_due')
    // 3. Recover.
    await portal({ action: 'update_card', card: 'pm_card_visa' })
    const [open] = (await stripe.invoices.list({ customer: customer.id, status: 'open' })).data
    expect((await portal({ action: 'pay_invoice', invoice: open.id })).html).toMatch(/is paid/)
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe('active')
    // 4. Cancel at the period end: nothing ends yet; after the second advance it has ended.
    expect((await portal({ action: 'cancel', subscription: sub.id })).html).toContain('will end at the close of the current period')
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe('active')
    await advanceDays(32)
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe('canceled')
    expect(emulated.eventsOf(customer.id).map((e) => e.type)).toContain('customer.subscription.deleted')
  })
})
