// The hosted pages a person uses: Checkout, the billing portal and the invoice page. Each action
// emits the events the API would.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import Stripe from 'stripe'
import { harnessWithPlan, type Harness } from './harness.ts'

let h: Harness
let stripe: Stripe
let price: Stripe.Price
let other: Stripe.Price
beforeAll(async () => {
  ;({ h, stripe, price } = await harnessWithPlan('Starter'))
  other = await stripe.prices.create({ product: (await stripe.products.create({ name: 'Pro' })).id, unit_amount: 9900, currency: 'usd', recurring: { interval: 'month' } })
})
afterAll(() => h.close())

async function post(url: string, form: Record<string, string>) {
  const res = await fetch(url, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) })
  return { status: res.status, location: res.headers.get('location'), html: await res.text() }
}

describe('checkout', () => {
  it('pays on the hosted page, redirects to success_url and creates customer, card, subscription', async () => {
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription', line_items: [{ price: price.id, quantity: 1 }], customer_email: 'buyer@example.test',
      success_url: 'http://app.test/billing?session_id={CHECKOUT_SESSION_ID}', cancel_url: 'http://app.test/billing?checkout=cancelled',
      subscription_data: { metadata: { organization_id: 'org-42' } },
    })
    expect(session).toMatchObject({ status: 'open', payment_status: 'unpaid', mode: 'subscription', amount_total: 2900 })
    const page = await (await fetch(session.url!)).text()
    expect(page).toContain('$29.00')
    expect(page).toContain('pm_card_visa')
    // Deliveries of the tests before this one (in whatever order they ran) are out first: these are the payment's.
    await h.settle()
    const from = h.received.length
    const res = await post(session.url!, { card: 'pm_card_visa' })
    expect(res.status).toBe(303)
    expect(res.location).toBe(`http://app.test/billing?session_id=${session.id}`)
    const done = await stripe.checkout.sessions.retrieve(session.id, { expand: ['subscription'] })
    expect(done).toMatchObject({ status: 'complete', payment_status: 'paid' })
    const sub = done.subscription as Stripe.Subscription
    expect(sub).toMatchObject({ status: 'active', metadata: { organization_id: 'org-42' } })
    const customer = (await stripe.customers.retrieve(done.customer as string)) as Stripe.Customer
    expect(customer.email).toBe('buyer@example.test')
    expect(customer.invoice_settings.default_payment_method).toMatch(/^pm_/)
    const types = await h.settle(from)
    expect(types[0]).toBe('customer.created')
    expect(types).toContain('customer.subscription.created')
    expect(types.at(-1)).toBe('checkout.session.completed')
    expect((await post(session.url!, { card: 'pm_card_visa' })).status).toBe(400)
  })

  it('shows a declined card on the page and creates nothing', async () => {
    const session = await stripe.checkout.sessions.create({ mode: 'subscription', line_items: [{ price: price.id }], success_url: 'http://app.test/ok' })
    const before = h.emulator.emu.all('customer').length
    const res = await post(session.url!, { card: 'pm_card_chargeCustomerFail', email: 'declined@example.test' })
    expect(res.status).toBe(402)
    expect(res.html).toContain('Your card was declined.')
    expect(h.emulator.emu.all('customer').length).toBe(before)
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe('open')
    expect((await stripe.checkout.sessions.listLineItems(session.id)).data[0]).toMatchObject({ amount_total: 2900, quantity: 1 })
  })

  it('expires a session 24 hours on, on the clock it was made on: a test-clock customer\'s, not the emulator\'s own', async () => {
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: Math.floor(Date.now() / 1000) })
    const customer = await stripe.customers.create({ email: 'clocked@example.test', test_clock: clock.id })
    const open = () => stripe.checkout.sessions.create({ mode: 'subscription', customer: customer.id, line_items: [{ price: price.id }], success_url: 'http://app.test/ok' })
    const session = await open()
    expect(session.expires_at).toBe(clock.frozen_time + 86_400)
    // The emulator's own clock moves two days while the person is on the page (the stack's clock-moving
    // tests do this beside Checkout tests): the session lives on its customer's clock and still completes.
    await h.control('/clock/advance', { seconds: 2 * 86_400 })
    try {
      expect((await post(session.url!, { card: 'pm_card_visa' })).status).toBe(303)
    } finally {
      await h.control('/clock/reset', {})
    }
    // Two days on the customer's own clock: that session has expired.
    const late = await open()
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: clock.frozen_time + 2 * 86_400 })
    const res = await post(late.url!, { card: 'pm_card_visa' })
    expect(res.status).toBe(400)
    expect(res.html).toContain('This Checkout Session has expired.')
  })

  it('rejects a one-time price in subscription mode', async () => {
    const once = await stripe.prices.create({ product: price.product as string, unit_amount: 100, currency: 'usd' })
    await expect(stripe.checkout.sessions.create({ mode: 'subscription', line_items: [{ price: once.id }], success_url: 'http://app.test/ok' })).rejects.toMatchObject({ statusCode: 400, param: 'line_items[0][price]' })
  })
})

describe('billing portal and invoice page', () => {
  async function subscribed(card = 'pm_card_visa') {
    const c = await stripe.customers.create({ email: 'portal@example.test', payment_method: card, invoice_settings: { default_payment_method: card } })
    const sub = await stripe.subscriptions.create({ customer: c.id, items: [{ price: price.id }] })
    const session = await stripe.billingPortal.sessions.create({ customer: c.id, return_url: 'http://app.test/billing' })
    expect(session.url).toContain('/portal/')
    return { c, sub, url: session.url }
  }

  it('cancels at period end, resumes, and changes plan from the portal', async () => {
    const { sub, url } = await subscribed()
    const page = await (await fetch(url)).text()
    expect(page).toContain('Cancel subscription')
    expect(page).toContain('http://app.test/billing')
    expect((await post(url, { action: 'cancel', subscription: sub.id })).html).toContain('Resume subscription')
    expect((await stripe.subscriptions.retrieve(sub.id)).cancel_at_period_end).toBe(true)
    await post(url, { action: 'resume', subscription: sub.id })
    expect((await stripe.subscriptions.retrieve(sub.id)).cancel_at_period_end).toBe(false)
    await post(url, { action: 'change_plan', subscription: sub.id, price: other.id })
    expect((await stripe.subscriptions.retrieve(sub.id)).items.data[0].price.id).toBe(other.id)
    await post(url, { action: 'cancel_now', subscription: sub.id })
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe('canceled')
  })

  it('replaces a failing card and pays the open invoice from the portal', async () => {
    const { c, url } = await subscribed('pm_card_chargeCustomerFail')
    const open = (await stripe.invoices.list({ customer: c.id, status: 'open' })).data[0]
    expect(open).toBeDefined()
    const refused = await post(url, { action: 'pay_invoice', invoice: open.id })
    expect(refused.status).toBe(402)
    await post(url, { action: 'update_card', card: 'pm_card_visa' })
    const paid = await post(url, { action: 'pay_invoice', invoice: open.id })
    expect(paid.status).toBe(200)
    expect((await stripe.invoices.retrieve(open.id)).status).toBe('paid')
    const someone = await stripe.customers.create({ email: 'else@example.test' })
    const theirs = await stripe.invoices.create({ customer: someone.id })
    await stripe.invoices.finalizeInvoice(theirs.id)
    expect((await post(url, { action: 'pay_invoice', invoice: theirs.id })).status).toBe(404)
  })

  it('pays an open invoice on its hosted page', async () => {
    const c = await stripe.customers.create({ email: 'hosted@example.test', payment_method: 'pm_card_chargeCustomerFail', invoice_settings: { default_payment_method: 'pm_card_chargeCustomerFail' } })
    await stripe.subscriptions.create({ customer: c.id, items: [{ price: price.id }] })
    const open = (await stripe.invoices.list({ customer: c.id, status: 'open' })).data[0]
    expect(await (await fetch(open.hosted_invoice_url!)).text()).toContain(open.number!)
    const res = await post(open.hosted_invoice_url!, { card: 'pm_card_visa' })
    expect(res.html).toContain('the invoice is paid')
    expect((await stripe.invoices.retrieve(open.id)).status).toBe('paid')
    expect((await stripe.subscriptions.list({ customer: c.id })).data[0].status).toBe('active')
  })
})
