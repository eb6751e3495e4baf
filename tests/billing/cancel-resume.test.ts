// Cancel at period end (with a reason) and resume from the app, through the billing function against
// the stack's Stripe emulator: Stripe changes, the mirror follows through the sync, and each fact is
// confirmed by one email.
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

async function signUp(): Promise<{ id: string; token: string }> {
  const { data, error } = await supabaseClient().auth.signUp({ email: `${uniq('cancel')}@example.test`, password: 'correct horse battery' })
  if (error || !data.session) throw error ?? new Error('no session')
  return { id: data.user!.id, token: data.session.access_token }
}

let token: string
let org: string
let sub: Stripe.Subscription
beforeAll(async () => {
  const product = await stripe.products.create({ name: uniq('Plan') })
  const price = await stripe.prices.create({ product: product.id, unit_amount: 2500, currency: 'usd', recurring: { interval: 'month' } })
  await until('the plan in the mirror', async () => (await sql`select 1 from public.stripe_prices where id = ${price.id}`).length > 0)
  token = (await signUp()).token
  org = (await api(token, 'POST', '/organizations', { name: uniq('Cancel Co') })).body.organization.id
  const r = await api(token, 'POST', `/organizations/${org}/checkout`, { price_id: price.id })
  expect(r.status, JSON.stringify(r.body)).toBe(200)
  const paid = await fetch(r.body.url, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'card=pm_card_visa' })
  expect(paid.status).toBe(303)
  await until('the subscription in the mirror', async () => (await sql`select 1 from public.stripe_subscriptions where organization_id = ${org} and status = 'active'`).length > 0)
  const [row] = await sql`select stripe_customer_id from public.organizations where id = ${org}`
  sub = (await stripe.subscriptions.list({ customer: row.stripe_customer_id })).data[0]
}, 90_000)

const outbox = (type: string) => sql`select props from billing.email_outbox where organization_id = ${org} and email_type = ${type}`

describe('cancel and resume from the app', () => {
  it('refuses a reason outside Stripe\'s list, a member, and a resume with nothing to resume, changing nothing', async () => {
    const bad = await api(token, 'POST', `/organizations/${org}/cancel`, { feedback: 'bored' })
    expect(bad.status).toBe(422)
    expect(bad.body.error.message).toMatch(/feedback: choose a reason among customer_service/)
    const member = await signUp()
    await sql`insert into public.organization_members (organization_id, user_id, role) values (${org}, ${member.id}, 'member')`
    expect((await api(member.token, 'POST', `/organizations/${org}/cancel`, {})).status).toBe(403)
    const nothing = await api(token, 'POST', `/organizations/${org}/resume`)
    expect(nothing.status).toBe(409)
    expect(nothing.body.error.code).toBe('not_cancelling')
    expect((await stripe.subscriptions.retrieve(sub.id)).cancel_at_period_end).toBe(false)
  })

  it('cancels at period end with the reason in Stripe, answers the synced page, and confirms once', { timeout: 60_000 }, async () => {
    const r = await api(token, 'POST', `/organizations/${org}/cancel`, { feedback: 'too_expensive', comment: 'Budget cut' })
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    expect(r.body.overview.subscription).toMatchObject({ id: sub.id, cancel_at_period_end: true })
    const inStripe = await stripe.subscriptions.retrieve(sub.id)
    expect(inStripe).toMatchObject({ cancel_at_period_end: true, cancellation_details: { feedback: 'too_expensive', comment: 'Budget cut' } })
    const again = await api(token, 'POST', `/organizations/${org}/cancel`, {})
    expect(again.status).toBe(409)
    expect(again.body.error.code).toBe('already_cancelling')
    await until('the cancellation confirmation', async () => (await outbox('cancellation_scheduled')).length > 0)
  })

  it('resumes before the end in Stripe, answers the synced page, confirms once, and can cancel again', { timeout: 90_000 }, async () => {
    const r = await api(token, 'POST', `/organizations/${org}/resume`)
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    expect(r.body.overview.subscription).toMatchObject({ id: sub.id, cancel_at_period_end: false, cancel_at: null })
    expect((await stripe.subscriptions.retrieve(sub.id)).cancel_at_period_end).toBe(false)
    const [resumed] = await until('the resumed confirmation', async () => { const rows = await outbox('subscription_resumed'); return rows.length ? rows : null })
    expect(resumed.props).toMatchObject({ manageBillingUrl: expect.stringContaining(`/billing/${org}`), renewsAt: new Date(sub.items.data[0].current_period_end * 1000).toISOString() })
    // The same change asked again after the state moved on is a new write, not Stripe's replay of the first.
    // A request is told apart by Stripe's canceled_at, in whole seconds: ask again in a later second than
    // the first request (a quiet machine gets here within the same one).
    await new Promise((r) => setTimeout(r, 1100))
    const again = await api(token, 'POST', `/organizations/${org}/cancel`, { feedback: 'unused' })
    expect(again.status, JSON.stringify(again.body)).toBe(200)
    expect((await stripe.subscriptions.retrieve(sub.id)).cancellation_details?.feedback).toBe('unused')
    await until('a second cancellation confirmation', async () => (await outbox('cancellation_scheduled')).length === 2)
    expect(await outbox('subscription_resumed')).toHaveLength(1)
  })
})
