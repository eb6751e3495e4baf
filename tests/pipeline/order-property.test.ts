// Property (DESIGN rule 4): whatever order and however many times a customer's fetched states are
// written, the mirror and the organization end as the newest state. fast-check shrinks any failing order.
import fc from 'fast-check'
import { afterAll, describe, expect, test } from 'vitest'
import { adminSql, uniq } from '../helpers/stack.ts'

const sql = adminSql()
afterAll(() => sql.end())

const STATUSES = ['trialing', 'active', 'past_due', 'active', 'canceled'] as const
const PRICES = ['price_prop_basic', 'price_prop_pro'] as const

interface Snapshot {
  status: (typeof STATUSES)[number]
  price: (typeof PRICES)[number]
  quantity: number
  fetchedAt: Date
}

/** Price and product ids are unique per run: the catalog is shared, and its newest fetch wins across runs too. */
function subscriptionJson(subId: string, s: Snapshot, run: string) {
  return [{
    id: subId, status: s.status, created: 1_790_000_000, cancel_at_period_end: false,
    items: { data: [{ quantity: s.quantity, current_period_start: 1_790_000_000, current_period_end: 1_792_592_000,
      price: { id: `${s.price}_${run}`, nickname: s.price, currency: 'usd', unit_amount: 1000, metadata: { 'limits.seats': String(s.quantity) },
        recurring: { interval: 'month', interval_count: 1 }, product: { id: `prod_${s.price}_${run}`, name: s.price, active: true, metadata: {} } } }] },
  }]
}

const history = fc
  .array(fc.record({ status: fc.constantFrom(...STATUSES), price: fc.constantFrom(...PRICES), quantity: fc.integer({ min: 1, max: 50 }) }), { minLength: 2, maxLength: 6 })
  .map((states) => states.map((s, i): Snapshot => ({ ...s, fetchedAt: new Date(Date.UTC(2026, 10, 22, 10, 0, i)) })))

describe('never going backwards', () => {
  test('any order of deliveries, with duplicates, leaves the mirror at the newest fetched state', async () => {
    await fc.assert(
      fc.asyncProperty(
        history.chain((snaps) =>
          fc.tuple(fc.constant(snaps), fc.shuffledSubarray(snaps.flatMap((s) => [s, s]), { minLength: 1 }).map((order) => [...order, snaps.at(-1)!]).chain((o) => fc.shuffledSubarray(o, { minLength: o.length }))),
        ),
        async ([snaps, order]) => {
          const customer = uniq('cus_prop')
          const subId = uniq('sub_prop')
          const [{ id: org }] = await sql`insert into public.organizations (name) values (${customer}) returning id`
          for (const s of order) {
            await sql`select billing.service_role_apply_customer_state(${customer},
              ${sql.json({ id: customer, email: 'p@example.test', metadata: { organization_id: org } })},
              ${sql.json(subscriptionJson(subId, s, customer) as never)}, '[]'::jsonb, ${s.fetchedAt})`
          }
          const newest = snaps.at(-1)!
          const [sub] = await sql`select status, price_id, quantity, stripe_fetched_at from public.stripe_subscriptions where id = ${subId}`
          expect(sub).toEqual({ status: newest.status, price_id: `${newest.price}_${customer}`, quantity: newest.quantity, stripe_fetched_at: newest.fetchedAt })
          const [o] = await sql`select price_id, plan_limits, stripe_synced_at from public.organizations where id = ${org}`
          expect(o).toEqual({ price_id: `${newest.price}_${customer}`, plan_limits: { seats: newest.quantity }, stripe_synced_at: newest.fetchedAt })
        },
      ),
      { numRuns: 40, seed: Number(process.env.PROPERTY_SEED ?? 20261122) },
    )
  }, 60_000)
})
