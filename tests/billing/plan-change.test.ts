// Change plan inside the app, through the billing function against the stack's Stripe emulator: the
// preview is Stripe's invoice preview, the upgrade is charged exactly what was previewed, the
// downgrade is not prorated, and the mirror follows through the sync. Bad input changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type Stripe from 'stripe'
import { stripeFor } from '../../dev/stack/stripe.ts'
import { adminSql, functionsUrl, keys, stackProfile, supabaseClient, uniq } from '../helpers/stack.ts'

const sql = adminSql()
const stripe = stripeFor(stackProfile)
afterAll(async () => {
  await sql.end()
})

async function api(token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${functionsUrl}/billing${path}`, {
    method, headers: { apikey: keys.anon, authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  })
  return { status: res.status, body: await res.json() }
}

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

async function plan(amount: number, interval: 'month' | 'year' = 'month'): Promise<Stripe.Price> {
  const product = await stripe.products.create({ name: uniq('Plan') })
  const price = await stripe.prices.create({ product: product.id, unit_amount: amount, currency: 'usd', recurring: { interval } })
  await until('the plan in the mirror', async () => (await sql`select 1 from public.stripe_prices where id = ${price.id}`).length > 0)
  return price
}

let token: string
let org: string
let sub: Stripe.Subscription
let basic: Stripe.Price
let pro: Stripe.Price
let yearly: Stripe.Price
beforeAll(async () => {
  ;[basic, pro, yearly] = await Promise.all([plan(1000), plan(3000), plan(10000, 'year')])
  const { data, error } = await supabaseClient().auth.signUp({ email: `${uniq('plans')}@example.test`, password: 'correct horse battery' })
  if (error || !data.session) throw error ?? new Error('no session')
  token = data.session.access_token
  org = (await api(token, 'POST', '/organizations', { name: uniq('Plan Co') })).body.organization.id
  const r = await api(token, 'POST', `/organizations/${org}/checkout`, { price_id: basic.id })
  const paid = await fetch(r.body.url, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'card=pm_card_visa' })
  expect(paid.status).toBe(303)
  await until('the subscription in the mirror', async () => (await sql`select 1 from public.stripe_subscriptions where organization_id = ${org} and status = 'active'`).length > 0)
  const [row] = await sql`select stripe_customer_id from public.organizations where id = ${org}`
  sub = (await stripe.subscriptions.list({ customer: row.stripe_customer_id })).data[0]
}, 90_000)

const invoicesOf = async () => (await stripe.invoices.list({ subscription: sub.id })).data

describe('plan change from the app', () => {
  it('refuses the current plan, an unknown price and a switch of interval, changing nothing', async () => {
    const same = await api(token, 'POST', `/organizations/${org}/plan-change/preview`, { price_id: basic.id })
    expect(same.status).toBe(422)
    expect(same.body.error).toMatchObject({ code: 'same_plan', message: expect.stringContaining('already on') })
    expect((await api(token, 'POST', `/organizations/${org}/plan-change`, { price_id: basic.id, proration_date: Math.floor(Date.now() / 1000) })).body.error.code).toBe('same_plan')
    expect((await api(token, 'POST', `/organizations/${org}/plan-change/preview`, { price_id: 'price_nope' })).status).toBe(422)
    expect((await api(token, 'POST', `/organizations/${org}/plan-change/preview`, { price_id: yearly.id })).body.error.code).toBe('interval_change')
    expect((await stripe.subscriptions.retrieve(sub.id)).items.data[0].price.id).toBe(basic.id)
  })

  it('previews an upgrade with Stripe\'s proration, then charges exactly that now and the new price next', { timeout: 60_000 }, async () => {
    const before = (await invoicesOf()).length
    const p = await api(token, 'POST', `/organizations/${org}/plan-change/preview`, { price_id: pro.id })
    expect(p.status, JSON.stringify(p.body)).toBe(200)
    expect(p.body).toMatchObject({ direction: 'upgrade', currency: 'usd', next_invoice_amount: 3000 })
    // Nearly the whole month is left: nearly the whole difference (2000), never more.
    expect(p.body.due_now).toBeGreaterThan(1900)
    expect(p.body.due_now).toBeLessThanOrEqual(2000)
    expect(await invoicesOf()).toHaveLength(before)
    const stale = await api(token, 'POST', `/organizations/${org}/plan-change`, { price_id: pro.id, proration_date: p.body.proration_date - 3600 })
    expect(stale.status).toBe(409)
    expect(stale.body.error.code).toBe('preview_expired')
    const r = await api(token, 'POST', `/organizations/${org}/plan-change`, { price_id: pro.id, proration_date: p.body.proration_date })
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    expect(r.body.overview.subscription).toMatchObject({ price_id: pro.id, unit_amount: 3000 })
    const [latest] = await invoicesOf()
    expect(latest).toMatchObject({ billing_reason: 'subscription_update', amount_paid: p.body.due_now, status: 'paid' })
  })

  it('a downgrade is previewed at nothing now and the lower price next, and applied without proration', { timeout: 60_000 }, async () => {
    const before = (await invoicesOf()).length
    const p = await api(token, 'POST', `/organizations/${org}/plan-change/preview`, { price_id: basic.id })
    expect(p.status, JSON.stringify(p.body)).toBe(200)
    expect(p.body).toMatchObject({ direction: 'downgrade', due_now: 0, next_invoice_amount: 1000 })
    const r = await api(token, 'POST', `/organizations/${org}/plan-change`, { price_id: basic.id, proration_date: p.body.proration_date })
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    expect(r.body.overview.subscription).toMatchObject({ price_id: basic.id })
    expect(await invoicesOf()).toHaveLength(before)
    expect((await stripe.invoices.createPreview({ customer: sub.customer as string, subscription: sub.id })).amount_due).toBe(1000)
  })

  it('refuses a change while a payment has failed, saying to pay the open invoice first', { timeout: 60_000 }, async () => {
    await sql`update public.stripe_subscriptions set status = 'past_due' where id = ${sub.id}`
    try {
      const r = await api(token, 'POST', `/organizations/${org}/plan-change/preview`, { price_id: pro.id })
      expect(r.status).toBe(409)
      expect(r.body.error).toMatchObject({ code: 'payment_failed', message: expect.stringContaining('Pay the open invoice first') })
      expect((await stripe.subscriptions.retrieve(sub.id)).items.data[0].price.id).toBe(basic.id)
    } finally {
      await sql`update public.stripe_subscriptions set status = 'active' where id = ${sub.id}`
    }
  })
})
