// Checkout without a card, as Stripe documents it ("Configure free trials without payment methods";
// API reference, Checkout Session `payment_method_collection` and `subscription_data.trial_settings`):
// with `if_required` a trial completes with no card and the subscription carries the end behaviour; a
// session that owes money now, or one that always collects, still needs a card.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type Stripe from 'stripe'
import { harnessWithPlan, type Harness } from './harness.ts'

let h: Harness
let stripe: Stripe
let price: Stripe.Price
beforeAll(async () => {
  ;({ h, stripe, price } = await harnessWithPlan('Trial'))
})
afterAll(() => h.close())

const base = () => ({ mode: 'subscription' as const, line_items: [{ price: price.id, quantity: 1 }], success_url: 'http://app.test/ok', customer_email: 'cardless@example.test' })
const submit = (url: string, form: Record<string, string>) =>
  fetch(url, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) })

describe('checkout without a card', () => {
  it('if_required with a trial: the page offers "No card now", completes with none, and the subscription trials with the end behaviour', async () => {
    const session = await stripe.checkout.sessions.create({
      ...base(), payment_method_collection: 'if_required',
      subscription_data: { trial_period_days: 7, trial_settings: { end_behavior: { missing_payment_method: 'cancel' } } },
    })
    expect(session.payment_method_collection).toBe('if_required')
    const page = await (await fetch(session.url!)).text()
    expect(page).toContain('No card now')
    expect((await submit(session.url!, { card: 'none' })).status).toBe(303)
    const done = await stripe.checkout.sessions.retrieve(session.id, { expand: ['subscription'] })
    expect([done.status, done.payment_status]).toEqual(['complete', 'no_payment_required'])
    const sub = done.subscription as Stripe.Subscription
    expect([sub.status, sub.default_payment_method, sub.trial_settings?.end_behavior.missing_payment_method]).toEqual(['trialing', null, 'cancel'])
    expect((await stripe.paymentMethods.list({ customer: done.customer as string })).data).toEqual([])
  })

  it('if_required without a trial (something is due now) still needs a card, and the page does not offer to skip it', async () => {
    const session = await stripe.checkout.sessions.create({ ...base(), payment_method_collection: 'if_required' })
    expect(await (await fetch(session.url!)).text()).not.toContain('No card now')
    expect((await submit(session.url!, { card: 'none' })).status).toBe(400)
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe('open')
  })

  it('always (the default) with a trial needs a card', async () => {
    const session = await stripe.checkout.sessions.create({ ...base(), subscription_data: { trial_period_days: 7 } })
    expect(session.payment_method_collection).toBe('always')
    expect((await submit(session.url!, { card: 'none' })).status).toBe(400)
  })

  it('if_required is refused in payment mode', async () => {
    const once = await stripe.prices.create({ product: (await stripe.products.create({ name: 'Once' })).id, unit_amount: 500, currency: 'usd' })
    await expect(stripe.checkout.sessions.create({ mode: 'payment', line_items: [{ price: once.id, quantity: 1 }], success_url: 'http://app.test/ok', payment_method_collection: 'if_required' }))
      .rejects.toMatchObject({ statusCode: 400, param: 'payment_method_collection' })
  })
})
