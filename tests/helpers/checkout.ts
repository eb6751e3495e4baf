// Our Checkout as the web app drives it, for tests on the stack: a signed-up admin with an organization
// whose Stripe customer lives on a test clock, a plan made in the emulator and synced, the billing
// function's answers, and the hosted page posted as a person would.
import type Stripe from 'stripe'
import { expect } from 'vitest'
import type postgres from 'postgres'
import { stripeFor } from '../../dev/stack/stripe.ts'
import type { Overview } from '../../supabase/functions/_shared/billing/api-types.ts'
import { functionsUrl, keys, stackProfile, supabaseClient, uniq } from './stack.ts'

export const stripe = stripeFor(stackProfile)

async function api(token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${functionsUrl}/billing${path}`, {
    method, headers: { apikey: keys.anon, authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  })
  return { status: res.status, body: await res.json() }
}

export async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

/** A monthly plan of its own (product metadata as the catalogue would set it), once the mirror has it. */
export async function plan(sql: postgres.Sql, metadata: Record<string, string>, unitAmount = 1900): Promise<Stripe.Price> {
  const product = await stripe.products.create({ name: uniq('Plan'), metadata })
  const price = await stripe.prices.create({ product: product.id, unit_amount: unitAmount, currency: 'usd', recurring: { interval: 'month' } })
  await until('the plan in the mirror', async () => (await sql`select 1 from public.stripe_prices where id = ${price.id}`).length > 0)
  return price
}

/** A signed-up admin whose organization's Stripe customer lives on a test clock (so a test can move time). */
export async function organization(sql: postgres.Sql) {
  const { data, error } = await supabaseClient().auth.signUp({ email: `${uniq('checkout')}@example.test`, password: 'correct horse battery' })
  if (error || !data.session) throw error ?? new Error('no session')
  const token = data.session.access_token
  const org = (await api(token, 'POST', '/organizations', { name: uniq('Checkout Co') })).body.organization.id as string
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: Math.floor(Date.now() / 1000) })
  const customer = await stripe.customers.create({ email: data.user!.email, name: 'Checkout Co', test_clock: clock.id, metadata: { organization_id: org, user_id: data.user!.id } })
  await sql`update public.organizations set stripe_customer_id = ${customer.id} where id = ${org}`
  return { token, org, clock, customer, email: data.user!.email! }
}

/** Our Checkout for `price`: the hosted page's URL and the session behind it. */
export async function checkout(token: string, org: string, price: Stripe.Price): Promise<{ url: string; session: Stripe.Checkout.Session }> {
  const r = await api(token, 'POST', `/organizations/${org}/checkout`, { price_id: price.id })
  expect(r.status, JSON.stringify(r.body)).toBe(200)
  return { url: r.body.url, session: await stripe.checkout.sessions.retrieve(new URL(r.body.url).pathname.split('/').pop()!) }
}

/** Posts the hosted Checkout page's form (card: a test token or "none"). */
export async function submitPage(url: string, form: Record<string, string>): Promise<{ status: number; html: string }> {
  const res = await fetch(url, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() })
  return { status: res.status, html: await res.text() }
}

export async function overviewOf(token: string, org: string): Promise<Overview> {
  const r = await api(token, 'GET', `/organizations/${org}`)
  expect(r.status).toBe(200)
  return r.body as Overview
}
