// The billing edge function through the stack's gateway, as a browser calls it: a signed-up user, a
// call with their token, and an organization of their own (subscribed through Checkout when a test needs
// a Stripe customer). Each test makes its own with these, so no test depends on another's state.
import type postgres from 'postgres'
import type Stripe from 'stripe'
import { afterAll, beforeAll, expect } from 'vitest'
import { stripeFor } from '../../dev/stack/stripe.ts'
import { adminSql, functionsUrl, keys, stackProfile, supabaseClient, uniq } from './stack.ts'

export interface User { id: string; email: string; token: string }

export async function signUp(prefix = 'web'): Promise<User> {
  const email = `${uniq(prefix)}@example.test`
  const { data, error } = await supabaseClient().auth.signUp({ email, password: 'correct horse battery' })
  if (error || !data.session) throw error ?? new Error('no session')
  return { id: data.user!.id, email, token: data.session.access_token }
}

/** A call to the billing function; a string body is sent as is (for bad JSON), anything else as JSON. */
export async function api(token: string | null, method: string, path: string, body?: unknown) {
  const res = await fetch(`${functionsUrl}/billing${path}`, {
    method,
    headers: { apikey: keys.anon, ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  })
  return { status: res.status, body: await res.json() }
}

/** Polls until `fn` gives a truthy value (the machine is loaded: generous limits, no fixed sleeps). */
export async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

/** A new organization owned by `owner`, made through the function (201). */
export async function newOrg(owner: User, name = uniq('Org')): Promise<string> {
  const created = await api(owner.token, 'POST', '/organizations', { name })
  expect(created.status, JSON.stringify(created.body)).toBe(201)
  return created.body.organization.id as string
}

/** Pays a Checkout session's hosted page with a card; Stripe redirects (303) back to the app. */
/**
 * A new admin and organization whose Stripe customer (visa by default) is on a test clock of its own, so
 * its period can end now without moving anyone else's time.
 */
export async function customerOnOwnClock(stripe: Stripe, prefix: string) {
  const owner = await signUp(prefix)
  const org = await newOrg(owner)
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: Math.floor(Date.now() / 1000) })
  const customer = await stripe.customers.create({
    email: owner.email, test_clock: clock.id, metadata: { user_id: owner.id, organization_id: org },
    payment_method: 'pm_card_visa', invoice_settings: { default_payment_method: 'pm_card_visa' },
  })
  return { owner, org, clock, customer }
}

export async function payCheckout(url: string, card = 'pm_card_visa'): Promise<Response> {
  return fetch(url, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `card=${card}` })
}

/** A new organization of `owner`'s, subscribed to `priceId` through Checkout, once the mirror shows it active. */
export async function subscribedOrg(sql: postgres.Sql, owner: User, priceId: string, name = uniq('Subscribed Co')): Promise<{ orgId: string; customerId: string }> {
  const orgId = await newOrg(owner, name)
  const r = await api(owner.token, 'POST', `/organizations/${orgId}/checkout`, { price_id: priceId })
  expect(r.status, JSON.stringify(r.body)).toBe(200)
  expect((await payCheckout(r.body.url)).status).toBe(303)
  await until('the subscription in the mirror', async () => (await sql`select 1 from public.stripe_subscriptions where organization_id = ${orgId} and status = 'active'`).length > 0)
  const [{ stripe_customer_id: customerId }] = await sql`select stripe_customer_id from public.organizations where id = ${orgId}`
  // The mirror shows the subscription after the first of the Checkout's events is synced; the rest (its
  // invoice, the subscription's updates) may still be syncing. A test that then sets the mirror's state by
  // hand would see that sync write Stripe's state over it (plan-change's past_due, seen in a CI run).
  await until('the Checkout events of the customer synced', async () =>
    (await sql`select count(*)::int as n from billing.stripe_events where customer_id = ${customerId} and status not in ('processed', 'dead')`)[0].n === 0)
  return { orgId, customerId }
}

/** A monthly (or yearly) plan in Stripe, once the webhook and the sync have brought it to the mirror. */
type PlanOptions = { interval?: 'month' | 'year'; metadata?: Record<string, string> }

export async function mirroredPlan(sql: postgres.Sql, stripe: Stripe, amount: number, opts: PlanOptions = {}): Promise<Stripe.Price> {
  const product = await stripe.products.create({ name: uniq('Plan'), metadata: opts.metadata ?? {} })
  const price = await stripe.prices.create({ product: product.id, unit_amount: amount, currency: 'usd', recurring: { interval: opts.interval ?? 'month' } })
  await until('the plan in the mirror', async () => (await sql`select 1 from public.stripe_prices where id = ${price.id}`).length > 0)
  return price
}

/**
 * What a billing test file starts from: a superuser connection (ended after its tests), the stack's
 * Stripe client, and a plan made and mirrored before its tests (read it as `file.price` inside them).
 */
export function billingTestFile(amount: number, opts: PlanOptions = {}, timeoutMs = 60_000) {
  const file = { sql: adminSql(), stripe: stripeFor(stackProfile), price: undefined as unknown as Stripe.Price }
  beforeAll(async () => {
    file.price = await mirroredPlan(file.sql, file.stripe, amount, opts)
  }, timeoutMs)
  afterAll(async () => {
    await file.sql.end()
  })
  return file
}
