// A plan whose catalogue entry allows a trial without a card (trial_without_card, trial_end_behavior):
// our Checkout asks Stripe for payment_method_collection=if_required and the trial's end behaviour, the
// hosted page completes with no card, and when the trial ends with none the subscription pauses or is
// cancelled as the catalogue chose; the mirror, the organization and the overview follow.
import { afterAll, describe, expect, it } from 'vitest'
import type Stripe from 'stripe'
import { stripeFor } from '../../dev/stack/stripe.ts'
import { parseTrialTerms } from '../../supabase/functions/_shared/billing/trial-days.ts'
import type { Overview } from '../../supabase/functions/_shared/billing/api-types.ts'
import { adminSql, functionsUrl, keys, stackProfile, supabaseClient, uniq } from '../helpers/stack.ts'

const sql = adminSql()
const stripe = stripeFor(stackProfile)
const DAY = 86_400
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

async function plan(metadata: Record<string, string>): Promise<Stripe.Price> {
  const product = await stripe.products.create({ name: uniq('Trial plan'), metadata })
  const price = await stripe.prices.create({ product: product.id, unit_amount: 1900, currency: 'usd', recurring: { interval: 'month' } })
  await until('the plan in the mirror', async () => (await sql`select 1 from public.stripe_prices where id = ${price.id}`).length > 0)
  return price
}

/** A signed-up admin whose organization's Stripe customer lives on a test clock (so the test can end the trial). */
async function organization() {
  const { data, error } = await supabaseClient().auth.signUp({ email: `${uniq('notrial')}@example.test`, password: 'correct horse battery' })
  if (error || !data.session) throw error ?? new Error('no session')
  const token = data.session.access_token
  const org = (await api(token, 'POST', '/organizations', { name: uniq('Cardless Co') })).body.organization.id as string
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: Math.floor(Date.now() / 1000) })
  const customer = await stripe.customers.create({ email: data.user!.email, name: 'Cardless Co', test_clock: clock.id, metadata: { organization_id: org, user_id: data.user!.id } })
  await sql`update public.organizations set stripe_customer_id = ${customer.id} where id = ${org}`
  return { token, org, clock, customer }
}

/** Checkout through the billing function, then the hosted page's "no card" choice. */
async function startTrialWithoutCard(token: string, org: string, price: Stripe.Price): Promise<Stripe.Checkout.Session> {
  const r = await api(token, 'POST', `/organizations/${org}/checkout`, { price_id: price.id })
  expect(r.status, JSON.stringify(r.body)).toBe(200)
  const id = new URL(r.body.url).pathname.split('/').pop()!
  const session = await stripe.checkout.sessions.retrieve(id)
  const page = await fetch(r.body.url, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'card=none' })
  expect(page.status).toBe(303)
  return session
}

async function overviewOf(token: string, org: string): Promise<Overview> {
  const r = await api(token, 'GET', `/organizations/${org}`)
  expect(r.status).toBe(200)
  return r.body as Overview
}

describe('trials without a card', () => {
  it('reads the trial terms from product metadata: no card only with days, pause unless cancel', () => {
    expect(parseTrialTerms({ trial_days: '7', trial_without_card: 'true', trial_end_behavior: 'cancel' })).toEqual({ days: 7, withoutCard: true, endBehavior: 'cancel' })
    expect(parseTrialTerms({ trial_days: '0', trial_without_card: 'true' })).toEqual({ days: 0, withoutCard: false, endBehavior: 'pause' })
    expect(parseTrialTerms({ trial_days: '7', trial_without_card: 'false', trial_end_behavior: 'bogus' })).toEqual({ days: 7, withoutCard: false, endBehavior: 'pause' })
  })

  for (const behaviour of ['pause', 'cancel'] as const) {
    it(`a trial started without a card ends ${behaviour === 'pause' ? 'paused' : 'cancelled'} when no card was added`, { timeout: 120_000 }, async () => {
      const price = await plan({ trial_days: '7', trial_without_card: 'true', trial_end_behavior: behaviour })
      const { token, org, clock, customer } = await organization()
      const session = await startTrialWithoutCard(token, org, price)
      expect(session.payment_method_collection).toBe('if_required')
      expect(session.allow_promotion_codes).toBe(true)

      const [sub] = (await stripe.subscriptions.list({ customer: customer.id })).data
      expect(sub.status).toBe('trialing')
      expect(sub.default_payment_method).toBeNull()
      expect(sub.trial_settings?.end_behavior.missing_payment_method).toBe(behaviour)
      expect((await stripe.paymentMethods.list({ customer: customer.id })).data).toEqual([])

      const trialing = await until('the trial on the page', async () => {
        const o = await overviewOf(token, org)
        return o.subscription?.status === 'trialing' ? o : null
      })
      expect(trialing.subscription!.trial_end_behavior).toBe(behaviour)
      expect(trialing.payment_method).toBeNull()

      await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: sub.trial_end! + DAY })
      const ended = await stripe.subscriptions.retrieve(sub.id)
      expect(ended.status).toBe(behaviour === 'pause' ? 'paused' : 'canceled')
      const events = (await stripe.events.list({ limit: 100 })).data.filter((e) => (e.data.object as { id?: string }).id === sub.id).map((e) => e.type)
      if (behaviour === 'pause') {
        expect(events).toContain('customer.subscription.paused')
        expect(events).not.toContain('customer.subscription.deleted')
      } else {
        expect(events).toContain('customer.subscription.deleted')
        expect(events).not.toContain('customer.subscription.paused')
      }
      // No invoice was made for the first period: there was nothing to charge it to.
      expect((await stripe.invoices.list({ customer: customer.id })).data.filter((i) => i.billing_reason === 'subscription_cycle')).toEqual([])

      const expected = behaviour === 'pause' ? 'paused' : 'cancelled'
      await until(`the organization ${expected}`, async () => {
        const [row] = await sql`select billing_status from public.organizations where id = ${org}`
        return row.billing_status === expected
      })
      const [mirrored] = await sql`select status from public.stripe_subscriptions where id = ${sub.id}`
      expect(mirrored.status).toBe(behaviour === 'pause' ? 'paused' : 'canceled')
    })
  }

  it('a plan that requires a card keeps Checkout collecting one', { timeout: 60_000 }, async () => {
    const price = await plan({ trial_days: '7', trial_end_behavior: 'cancel' })
    const { token, org } = await organization()
    const r = await api(token, 'POST', `/organizations/${org}/checkout`, { price_id: price.id })
    expect(r.status).toBe(200)
    const session = await stripe.checkout.sessions.retrieve(new URL(r.body.url).pathname.split('/').pop()!)
    expect(session.payment_method_collection).toBe('always')
    const page = await fetch(r.body.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'card=none' })
    expect(page.status).toBe(400)
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe('open')
  })
})
