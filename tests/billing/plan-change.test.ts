// Change plan inside the app, through the billing function against the stack's Stripe emulator: the
// preview is Stripe's invoice preview, the upgrade is charged exactly what was previewed, and the
// mirror follows through the sync. Bad input changes nothing. Downgrades: plan-schedule.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type Stripe from 'stripe'
import { stripeFor } from '../../dev/stack/stripe.ts'
import { api, mirroredPlan, signUp, subscribedOrg, until } from '../helpers/billing-api.ts'
import { settle, useStackEnv } from '../helpers/billing.ts'
import { adminSql, stackProfile } from '../helpers/stack.ts'

useStackEnv()
const sql = adminSql()
const stripe = stripeFor(stackProfile)
afterAll(async () => {
  await sql.end()
})

let basic: Stripe.Price
let pro: Stripe.Price
let yearly: Stripe.Price
beforeAll(async () => {
  ;[basic, pro, yearly] = await Promise.all([mirroredPlan(sql, stripe, 1000), mirroredPlan(sql, stripe, 3000), mirroredPlan(sql, stripe, 10000, { interval: 'year' })])
}, 90_000)

interface Subscribed { token: string; org: string; sub: Stripe.Subscription }

/** Each test's own user and organization, subscribed to `basic` through Checkout: no test sees another's plan. */
async function subscribed(): Promise<Subscribed> {
  const owner = await signUp('plans')
  const { orgId, customerId } = await subscribedOrg(sql, owner, basic.id)
  return { token: owner.token, org: orgId, sub: (await stripe.subscriptions.list({ customer: customerId })).data[0] }
}

const invoicesOf = async (sub: Stripe.Subscription) => (await stripe.invoices.list({ subscription: sub.id })).data

describe('plan change from the app', () => {
  it('refuses the current plan, an unknown price and a switch of interval, changing nothing', { timeout: 60_000 }, async () => {
    const { token, org, sub } = await subscribed()
    const same = await api(token, 'POST', `/organizations/${org}/plan-change/preview`, { price_id: basic.id })
    expect(same.status).toBe(422)
    expect(same.body.error).toMatchObject({ code: 'same_plan', message: expect.stringContaining('already on') })
    expect((await api(token, 'POST', `/organizations/${org}/plan-change`, { price_id: basic.id, proration_date: Math.floor(Date.now() / 1000) })).body.error.code).toBe('same_plan')
    expect((await api(token, 'POST', `/organizations/${org}/plan-change/preview`, { price_id: 'price_nope' })).status).toBe(422)
    expect((await api(token, 'POST', `/organizations/${org}/plan-change/preview`, { price_id: yearly.id })).body.error.code).toBe('interval_change')
    expect((await stripe.subscriptions.retrieve(sub.id)).items.data[0].price.id).toBe(basic.id)
  })

  it('previews an upgrade with Stripe\'s proration, then charges exactly that now and the new price next', { timeout: 60_000 }, async () => {
    const { token, org, sub } = await subscribed()
    const before = (await invoicesOf(sub)).length
    const p = await api(token, 'POST', `/organizations/${org}/plan-change/preview`, { price_id: pro.id })
    expect(p.status, JSON.stringify(p.body)).toBe(200)
    expect(p.body).toMatchObject({ direction: 'upgrade', currency: 'usd', next_invoice_amount: 3000 })
    // Nearly the whole month is left: nearly the whole difference (2000), never more.
    expect(p.body.due_now).toBeGreaterThan(1900)
    expect(p.body.due_now).toBeLessThanOrEqual(2000)
    expect(await invoicesOf(sub)).toHaveLength(before)
    const stale = await api(token, 'POST', `/organizations/${org}/plan-change`, { price_id: pro.id, proration_date: p.body.proration_date - 3600 })
    expect(stale.status).toBe(409)
    expect(stale.body.error.code).toBe('preview_expired')
    const r = await api(token, 'POST', `/organizations/${org}/plan-change`, { price_id: pro.id, proration_date: p.body.proration_date })
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    expect(r.body.overview.subscription).toMatchObject({ price_id: pro.id, unit_amount: 3000 })
    const [latest] = await invoicesOf(sub)
    expect(latest).toMatchObject({ billing_reason: 'subscription_update', amount_paid: p.body.due_now, status: 'paid' })
  })

  it('refuses a change while a payment has failed, saying to pay the open invoice first', { timeout: 60_000 }, async () => {
    const { token, org, sub } = await subscribed()
    await sql`update public.stripe_subscriptions set status = 'past_due' where id = ${sub.id}`
    const r = await api(token, 'POST', `/organizations/${org}/plan-change/preview`, { price_id: pro.id })
    expect(r.status).toBe(409)
    expect(r.body.error).toMatchObject({ code: 'payment_failed', message: expect.stringContaining('Pay the open invoice first') })
    expect((await stripe.subscriptions.retrieve(sub.id)).items.data[0].price.id).toBe(basic.id)
  })

  it('a declined upgrade leaves the plan, charges nothing, opens no dunning, and says to update the card', { timeout: 90_000 }, async () => {
    const { token, org, sub } = await subscribed()
    const failing = await stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: sub.customer as string })
    await stripe.subscriptions.update(sub.id, { default_payment_method: failing.id })
    const p = await api(token, 'POST', `/organizations/${org}/plan-change/preview`, { price_id: pro.id })
    expect(p.status, JSON.stringify(p.body)).toBe(200)
    const r = await api(token, 'POST', `/organizations/${org}/plan-change`, { price_id: pro.id, proration_date: p.body.proration_date })
    expect(r.status, JSON.stringify(r.body)).toBe(402)
    expect(r.body.error).toMatchObject({ code: 'card_declined', message: expect.stringContaining('Update your card') })
    const now = await stripe.subscriptions.retrieve(sub.id)
    expect(now).toMatchObject({ status: 'active', pending_update: null, items: { data: [{ price: { id: basic.id } }] } })
    const [latest] = await invoicesOf(sub)
    expect(latest).toMatchObject({ billing_reason: 'subscription_update', status: 'void', amount_paid: 0 })
    // The failed attempt's dunning run reads Stripe's invoice as the mirror holds it: voided, it does nothing.
    const run = await until('the dunning run of the declined invoice', async () => {
      await settle(sql)
      const [row] = await sql`select status, result from billing.workflow_runs where workflow_id = 'payment-failed' and trigger_key = ${`invoice:${latest.id}`}`
      return row?.status === 'completed' ? row : null
    }, 45_000)
    expect(run.result).toMatchObject({ skipped: expect.stringContaining('void') })
    const [mirror] = await sql`select s.price_id, o.billing_status from public.stripe_subscriptions s join public.organizations o on o.id = s.organization_id where s.id = ${sub.id}`
    expect(mirror).toMatchObject({ price_id: basic.id, billing_status: 'active' })
    const overview = await api(token, 'GET', `/organizations/${org}`)
    expect(overview.body).toMatchObject({ failed_payment: null, subscription: { price_id: basic.id } })
  })
})
