// A burst of 50 invitations at once through the billing function, on a per-seat subscription in the
// stack's Stripe emulator, with the stack's own worker (kicked by pg_net, drained by pg_cron): Stripe ends
// with exactly members + pending invitations, and stays there once nothing is pending. The Stripe calls
// the product made and the time until Stripe's quantity matched are printed for the record.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type Stripe from 'stripe'
import { stripeFor } from '../../dev/stack/stripe.ts'
import { api, newOrg, payCheckout, signUp, until } from '../helpers/billing-api.ts'
import { adminSql, stackProfile, uniq } from '../helpers/stack.ts'
import { shareProductClockForFile } from '../helpers/product-clock.ts'

// Invitations expire, and seats count pending ones, on the product's clock: no file moves it meanwhile.
shareProductClockForFile()

const sql = adminSql()
const stripe = stripeFor(stackProfile)
const EMULATOR = `http://127.0.0.1:${stackProfile.ports.stripe}`
const BURST = 50
afterAll(async () => {
  await sql.end()
})

interface LoggedRequest { method: string; path: string; customer: string | null; start: number }
const requestLog = async (): Promise<LoggedRequest[]> => (await (await fetch(`${EMULATOR}/_emulator/requests`)).json()).data

let token: string
let org: string
let customer: string
let sub: Stripe.Subscription
beforeAll(async () => {
  const product = await stripe.products.create({ name: uniq('Burst Team'), metadata: { 'limits.seats': '100' } })
  const price = await stripe.prices.create({ product: product.id, unit_amount: 1200, currency: 'usd', recurring: { interval: 'month' },
    metadata: { per_seat: 'true', seat_proration: 'create_prorations' } })
  await until('the per-seat price in the mirror', async () => (await sql`select 1 from public.stripe_prices where id = ${price.id} and metadata ->> 'per_seat' = 'true'`).length > 0, 60_000)
  const owner = await signUp('burst')
  token = owner.token
  org = await newOrg(owner, uniq('Burst Co'))
  const r = await api(token, 'POST', `/organizations/${org}/checkout`, { price_id: price.id })
  expect((await payCheckout(r.body.url)).status).toBe(303)
  // The organization is on the per-seat price (its seat changes are billed from now on).
  const row = await until('the organization on its per-seat subscription', async () =>
    (await sql`select stripe_customer_id, stripe_subscription_id from public.organizations where id = ${org} and price_id = ${price.id} and stripe_subscription_id is not null`)[0], 60_000)
  customer = row.stripe_customer_id
  sub = await stripe.subscriptions.retrieve(row.stripe_subscription_id)
  expect(sub.items.data[0].quantity).toBe(1)
}, 120_000)

describe('a burst of invitations on a per-seat plan', () => {
  it(`${BURST} invitations at once end with exactly ${BURST + 1} seats in Stripe`, { timeout: 240_000 }, async () => {
    const want = BURST + 1
    // Polled through a path the product never calls, so the request log below holds only the product's calls.
    const quantity = async () => (await stripe.subscriptionItems.list({ subscription: sub.id })).data[0].quantity
    const started = Date.now()
    const answers = await Promise.all(Array.from({ length: BURST }, (_, i) =>
      api(token, 'POST', `/organizations/${org}/invitations`, { email: `burst${i}-${org.slice(0, 8)}@example.test`, role: 'member' })))
    const answeredMs = Date.now() - started
    expect(answers.map((a) => a.status)).toEqual(Array(BURST).fill(201))
    await until(`Stripe's quantity at ${want}`, async () => (await quantity()) === want, 180_000)
    const matchedMs = Date.now() - started

    // Settled: every change applied, nothing queued for the customer, and Stripe still at the right count.
    const settled = await until('the seat changes all applied', async () =>
      (await sql`select s.applied_quantity, s.stripe_calls, s.attempts from billing.seat_syncs s where s.organization_id = ${org} and s.applied_seq = s.change_seq
        and not exists (select 1 from pgmq.q_stripe_events q where q.message ->> 'customer_id' = ${customer})`)[0], 120_000)
    expect(settled.applied_quantity).toBe(want)
    expect(await quantity()).toBe(want)
    const [{ seats }] = await sql`select billing._seats_in_use(${org}) as seats`
    expect(seats).toBe(want)

    const calls = (await requestLog()).filter((r) => r.start >= started && (r.customer === customer || r.path.includes(sub.id)))
    const updates = calls.filter((r) => r.method === 'POST' && r.path === `/v1/subscriptions/${sub.id}`)
    const byRoute = Object.entries(calls.reduce<Record<string, number>>((acc, r) => {
      const route = `${r.method} ${r.path.replace(/(cus|sub|in|pm)_[A-Za-z0-9]+/g, '$1_…')}`
      acc[route] = (acc[route] ?? 0) + 1
      return acc
    }, {})).map(([route, n]) => `${route} ×${n}`).join(', ')
    console.log(`seats burst (billing API, stack worker): ${BURST} invitations answered in ${answeredMs} ms; Stripe's quantity matched ${want} ` +
      `${matchedMs} ms after the burst began; ${updates.length} subscription update(s) (seat_syncs.stripe_calls ${settled.stripe_calls}), ` +
      `${calls.length} Stripe calls for this customer in all: ${byRoute}`)
    expect(updates.length, 'at least one update, and far fewer than one per invitation').toBeGreaterThanOrEqual(1)
    expect(updates.length).toBeLessThan(BURST)
  })
})
