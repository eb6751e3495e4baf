// SetupIntents as Stripe documents them ("Set up future payments"; API reference "The SetupIntent
// object", "Confirm a SetupIntent"), and the billing portal's "replace card", which goes through one.
import { describe, expect, it } from 'vitest'
import Stripe from 'stripe'
import { emulatorForFile, harnessWithPlan, type Harness } from './harness.ts'

let h: Harness
let stripe: Stripe
let price: Stripe.Price
emulatorForFile((started) => ({ h, stripe, price } = started), harnessWithPlan)

async function since(run: () => Promise<unknown>): Promise<Stripe.Event[]> {
  await h.settle()
  const from = h.received.length
  await run()
  await h.settle()
  return h.received.slice(from).map((r) => r.event)
}

describe('SetupIntents', () => {
  it('created, then confirmed with a card: the card is attached to the customer and the intent succeeds', async () => {
    const c = await stripe.customers.create({ email: 'setup@example.test' })
    let si!: Stripe.SetupIntent
    const created = await since(async () => (si = await stripe.setupIntents.create({ customer: c.id, usage: 'off_session' })))
    expect(si).toMatchObject({ object: 'setup_intent', status: 'requires_payment_method', customer: c.id, usage: 'off_session', payment_method: null, payment_method_types: ['card'] })
    expect(si.client_secret).toMatch(new RegExp(`^${si.id}_secret_`))
    expect(created.map((e) => e.type)).toEqual(['setup_intent.created'])
    let done!: Stripe.SetupIntent
    const confirmed = await since(async () => (done = await stripe.setupIntents.confirm(si.id, { payment_method: 'pm_card_visa' })))
    expect(done.status).toBe('succeeded')
    expect(confirmed.map((e) => e.type)).toEqual(['payment_method.attached', 'setup_intent.succeeded'])
    const pm = await stripe.paymentMethods.retrieve(done.payment_method as string)
    expect(pm).toMatchObject({ customer: c.id, card: { last4: '4242' } })
    expect(await stripe.setupIntents.retrieve(si.id)).toMatchObject({ status: 'succeeded', payment_method: pm.id })
    expect((await stripe.setupIntents.list({ customer: c.id })).data.map((s) => s.id)).toEqual([si.id])
    await expect(stripe.setupIntents.confirm(si.id, { payment_method: 'pm_card_visa' })).rejects.toMatchObject({ statusCode: 400, code: 'setup_intent_unexpected_state' })
  })

  it('a declined card fails the setup with a card error and last_setup_error; another card then succeeds', async () => {
    const c = await stripe.customers.create({ email: 'declined@example.test' })
    const si = await stripe.setupIntents.create({ customer: c.id })
    let error: any
    const failed = await since(async () => (error = await stripe.setupIntents.confirm(si.id, { payment_method: 'pm_card_chargeDeclined' }).catch((e) => e)))
    expect(error).toMatchObject({ statusCode: 402, type: 'StripeCardError', code: 'card_declined' })
    expect(failed.map((e) => e.type)).toEqual(['setup_intent.setup_failed'])
    expect(await stripe.setupIntents.retrieve(si.id)).toMatchObject({ status: 'requires_payment_method', last_setup_error: { code: 'card_declined' } })
    expect((await stripe.paymentMethods.list({ customer: c.id })).data).toHaveLength(0)
    const ok = await stripe.setupIntents.confirm(si.id, { payment_method: 'pm_card_mastercard' })
    expect(ok).toMatchObject({ status: 'succeeded', last_setup_error: null })
  })

  it('create with confirm=true succeeds at once; an open intent can be canceled', async () => {
    const c = await stripe.customers.create({ email: 'confirm@example.test' })
    expect(await stripe.setupIntents.create({ customer: c.id, payment_method: 'pm_card_visa', confirm: true })).toMatchObject({ status: 'succeeded' })
    const open = await stripe.setupIntents.create({ customer: c.id })
    const events = await since(() => stripe.setupIntents.cancel(open.id, { cancellation_reason: 'abandoned' }))
    expect(await stripe.setupIntents.retrieve(open.id)).toMatchObject({ status: 'canceled', cancellation_reason: 'abandoned' })
    expect(events.map((e) => e.type)).toEqual(['setup_intent.canceled'])
  })
})

describe('the portal replaces the card through a SetupIntent', () => {
  async function portalOf(card = 'pm_card_visa') {
    const c = await stripe.customers.create({ email: 'portal@example.test', payment_method: card, invoice_settings: { default_payment_method: card } })
    const sub = await stripe.subscriptions.create({ customer: c.id, items: [{ price: price.id }], default_payment_method: (await stripe.paymentMethods.list({ customer: c.id })).data[0].id })
    const session = await stripe.billingPortal.sessions.create({ customer: c.id })
    return { c, sub, url: session.url }
  }
  const post = (url: string, form: Record<string, string>) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) })

  it('emits setup_intent.created, payment_method.attached, setup_intent.succeeded, then makes the card the default', async () => {
    const { c, sub, url } = await portalOf()
    let status = 0
    const events = await since(async () => (status = (await post(url, { action: 'update_card', card: 'pm_card_mastercard' })).status))
    expect(status).toBe(200)
    expect(events.map((e) => e.type)).toEqual(['setup_intent.created', 'payment_method.attached', 'setup_intent.succeeded', 'customer.updated', 'customer.subscription.updated'])
    const [si] = (await stripe.setupIntents.list({ customer: c.id })).data
    expect(si).toMatchObject({ status: 'succeeded', usage: 'off_session' })
    const customer = (await stripe.customers.retrieve(c.id)) as Stripe.Customer
    expect(customer.invoice_settings.default_payment_method).toBe(si.payment_method)
    expect((await stripe.subscriptions.retrieve(sub.id)).default_payment_method).toBe(si.payment_method)
  })

  it('a declined card shows the error and changes nothing', async () => {
    const { c, url } = await portalOf()
    const before = ((await stripe.customers.retrieve(c.id)) as Stripe.Customer).invoice_settings.default_payment_method
    let res!: Response
    const events = await since(async () => (res = await post(url, { action: 'update_card', card: 'pm_card_chargeDeclined' })))
    expect(res.status).toBe(402)
    expect(await res.text()).toContain('Your card was declined.')
    expect(events.map((e) => e.type)).toEqual(['setup_intent.created', 'setup_intent.setup_failed'])
    expect(((await stripe.customers.retrieve(c.id)) as Stripe.Customer).invoice_settings.default_payment_method).toBe(before)
  })
})
