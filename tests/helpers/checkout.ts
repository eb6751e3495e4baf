// Our Checkout as the web app drives it, for tests on the stack: an organization whose Stripe customer
// lives on a test clock (so a test can end a trial), the session our billing function opens, the hosted
// page posted as a person would, and the overview the page then reads. Builds on billing-api.ts.
import type Stripe from 'stripe'
import { expect } from 'vitest'
import type postgres from 'postgres'
import { stripeFor } from '../../dev/stack/stripe.ts'
import type { Overview } from '../../supabase/functions/_shared/billing/api-types.ts'
import { api, mirroredPlan, newOrg, signUp } from './billing-api.ts'
import { stackProfile } from './stack.ts'

export const stripe = stripeFor(stackProfile)

/** A monthly plan of its own with the catalogue's product metadata, once the mirror has it. */
export const plan = (sql: postgres.Sql, metadata: Record<string, string>, amount = 1900) => mirroredPlan(sql, stripe, amount, { metadata })

/** A signed-up admin whose organization's Stripe customer (no card) lives on a test clock. */
export async function organization(sql: postgres.Sql) {
  const user = await signUp('checkout')
  const org = await newOrg(user)
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: Math.floor(Date.now() / 1000) })
  const customer = await stripe.customers.create({ email: user.email, name: 'Checkout Co', test_clock: clock.id, metadata: { organization_id: org, user_id: user.id } })
  await sql`update public.organizations set stripe_customer_id = ${customer.id} where id = ${org}`
  return { token: user.token, org, clock, customer, email: user.email }
}

/** Our Checkout for `price`: the hosted page's URL and the session behind it. */
export async function checkout(token: string, org: string, price: Stripe.Price): Promise<{ url: string; session: Stripe.Checkout.Session }> {
  const r = await api(token, 'POST', `/organizations/${org}/checkout`, { price_id: price.id })
  expect(r.status, JSON.stringify(r.body)).toBe(200)
  return { url: r.body.url, session: await stripe.checkout.sessions.retrieve(new URL(r.body.url).pathname.split('/').pop()!) }
}

/** Posts the hosted Checkout page's form (card: a test token or "none"; promotion_code: what was typed). */
export async function submitPage(url: string, form: Record<string, string>): Promise<{ status: number; html: string }> {
  const res = await fetch(url, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() })
  return { status: res.status, html: await res.text() }
}

export async function overviewOf(token: string, org: string): Promise<Overview> {
  const r = await api(token, 'GET', `/organizations/${org}`)
  expect(r.status).toBe(200)
  return r.body as Overview
}
