// Stripe calls per synced customer (needs.ts, customer-fetch.ts): one call brings the customer, its live
// subscriptions and their latest invoices; more calls only for what that call cannot hold. Each test
// has its own emulator (its request log is the count), queue and rate-limit bucket.
import type Stripe from 'stripe'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createGroupSyncer } from '../../supabase/functions/_shared/sync/syncer.ts'
import { runWorker } from '../../supabase/functions/_shared/sync/worker.ts'
import { adminSql, uniq } from '../helpers/stack.ts'
import { ownBucket, queueEvents, startStripe, type EmulatedStripe } from '../helpers/stripe-emulator.ts'
import type { Bucket } from '../../supabase/functions/_shared/stripe/limiter.ts'
import type { Obj } from '../../dev/stripe-emulator/shape.ts'

const sql = adminSql()
const limiterSql = adminSql()
const queues: string[] = []
const emulators: EmulatedStripe[] = []
let bucket: Bucket
let dropBucket: () => Promise<void>
beforeAll(async () => {
  ;({ bucket, drop: dropBucket } = await ownBucket(sql))
})
afterAll(async () => {
  for (const q of queues) await sql`select pgmq.drop_queue(${q})`
  for (const e of emulators) await e.close()
  await dropBucket?.()
  await limiterSql.end()
  await sql.end()
})

/** An emulator with a product and a monthly price of its own. */
async function emulator(): Promise<{ s: EmulatedStripe; price: Stripe.Price }> {
  const s = await startStripe()
  emulators.push(s)
  const product = await s.stripe.products.create({ name: 'Calls', metadata: { 'limits.seats': '3' } })
  const price = await s.stripe.prices.create({ product: product.id, unit_amount: 900, currency: 'usd', recurring: { interval: 'month' } })
  return { s, price }
}

async function newQueue(): Promise<string> {
  const q = uniq('callsq')
  queues.push(q)
  await sql`select pgmq.create(${q})`
  return q
}

async function subscribed(s: EmulatedStripe, price: Stripe.Price, subscriptions = 1): Promise<{ customer: Stripe.Customer; subs: Stripe.Subscription[] }> {
  const customer = await s.stripe.customers.create({ email: `${uniq('calls')}@example.test`, payment_method: 'pm_card_visa', invoice_settings: { default_payment_method: 'pm_card_visa' } })
  const subs: Stripe.Subscription[] = []
  for (let i = 0; i < subscriptions; i++) subs.push(await s.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] }))
  return { customer, subs }
}

const lastOf = (events: Obj[], type: string) => events.filter((e) => e.type === type).at(-1)!

/** Syncs the queue with the test's emulator; returns the requests the sync sent (method and path). */
async function syncAll(s: EmulatedStripe, queue: string): Promise<string[]> {
  const before = (await s.requests()).length
  const syncer = createGroupSyncer({ sql, queue, stripe: { stripe: s.limited(limiterSql, bucket) } })
  const report = await runWorker(sql, syncer, { queue, batchSize: 500 })
  expect([...report.retried, ...report.dead]).toEqual([])
  return (await s.requests()).slice(before).map((r) => `${r.method} ${r.path}`)
}

/** A subscribed customer whose subscription the mirror has (synced on `queue`), then canceled in Stripe. */
async function mirroredThenCanceled(s: EmulatedStripe, price: Stripe.Price) {
  const { customer, subs } = await subscribed(s, price)
  const queue = await newQueue()
  await queueEvents(sql, queue, [lastOf(s.eventsOf(customer.id), 'customer.subscription.created')])
  await syncAll(s, queue)
  await s.stripe.subscriptions.cancel(subs[0].id)
  return { customer, subs, queue }
}

describe('Stripe calls per synced customer', () => {
  test('a mixed group (customer, subscription and latest-invoice events) costs one call per customer', async () => {
    const { s, price } = await emulator()
    const cs = await Promise.all(Array.from({ length: 6 }, () => subscribed(s, price)))
    const queue = await newQueue()
    const events = cs.flatMap(({ customer }) => {
      const all = s.eventsOf(customer.id)
      return ['customer.updated', 'customer.subscription.updated', 'invoice.paid', 'customer.subscription.created', 'invoice.finalized']
        .map((t) => lastOf(all, t)).filter(Boolean)
    })
    await queueEvents(sql, queue, events)
    const calls = await syncAll(s, queue)
    // One retrieve per customer; besides, only the product the mirror did not have yet (once per group
    // synced at the same time at most).
    expect(calls.filter((c) => c.startsWith('GET /v1/customers/')).sort()).toEqual(cs.map(({ customer }) => `GET /v1/customers/${customer.id}`).sort())
    expect(new Set(calls.filter((c) => !c.startsWith('GET /v1/customers/')))).toEqual(new Set([`GET /v1/products/${price.product}`]))
    expect(calls.length / cs.length).toBeLessThanOrEqual(1.5)
    // Once the mirror has the product, exactly one call per customer.
    for (const { customer } of cs) await s.stripe.customers.update(customer.id, { name: 'Renamed' })
    await queueEvents(sql, queue, [...events.map((e) => ({ ...e, id: `${e.id}_again` })), ...cs.map(({ customer }) => lastOf(s.eventsOf(customer.id), 'customer.updated'))])
    expect((await syncAll(s, queue)).sort()).toEqual(cs.map(({ customer }) => `GET /v1/customers/${customer.id}`).sort())
    for (const { customer, subs } of cs) {
      const [sub] = await sql`select status, product_id from public.stripe_subscriptions where id = ${subs[0].id}`
      expect(sub).toEqual({ status: 'active', product_id: price.product })
      const [inv] = await sql`select status from public.stripe_invoices where id = ${subs[0].latest_invoice as string}`
      expect(inv).toEqual({ status: 'paid' })
      const [c] = await sql`select name from public.stripe_customers where id = ${customer.id}`
      expect(c.name).toBe('Renamed')
    }
    const [{ n }] = await sql`select count(*)::int as n from public.stripe_products where id = ${price.product as string}`
    expect(n).toBe(1)
  })

  test('an invoice that is no subscription\'s latest (a one-off) is fetched by itself, current, and mirrored', async () => {
    const { s, price } = await emulator()
    const { customer, subs } = await subscribed(s, price)
    await s.stripe.invoiceItems.create({ customer: customer.id, amount: 700, currency: 'usd', description: 'Setup' })
    const draft = await s.stripe.invoices.create({ customer: customer.id, pending_invoice_items_behavior: 'include' })
    const oneOff = await s.stripe.invoices.pay((await s.stripe.invoices.finalizeInvoice(draft.id!)).id!)
    expect(oneOff.status).toBe('paid')
    const queue = await newQueue()
    const events = s.eventsOf(customer.id).filter((e) => e.type === 'invoice.paid')
    expect(events).toHaveLength(2)
    await queueEvents(sql, queue, events)
    const calls = await syncAll(s, queue)
    // The customer brings the subscription's latest invoice; the one-off costs a retrieve of its own.
    expect(calls.filter((c) => !c.startsWith('GET /v1/products/'))).toEqual([`GET /v1/customers/${customer.id}`, `GET /v1/invoices/${oneOff.id}`])
    const rows = await sql`select id, status, amount_paid from public.stripe_invoices where customer_id = ${customer.id} order by amount_paid`
    expect(rows.map((r) => ({ ...r }))).toEqual([
      { id: oneOff.id, status: 'paid', amount_paid: '700' },
      { id: subs[0].latest_invoice as string, status: 'paid', amount_paid: '900' },
    ])
  })

  test('a canceled subscription an event names is fetched by itself, and its cancellation is mirrored', async () => {
    const { s, price } = await emulator()
    const { customer, subs, queue } = await mirroredThenCanceled(s, price)
    await queueEvents(sql, queue, [lastOf(s.eventsOf(customer.id), 'customer.subscription.deleted')])
    const calls = await syncAll(s, queue)
    expect(calls).toContain(`GET /v1/subscriptions/${subs[0].id}`)
    const [sub] = await sql`select status from public.stripe_subscriptions where id = ${subs[0].id}`
    expect(sub.status).toBe('canceled')
  })

  test('a subscription the mirror has live that Stripe ended without an event reaching us is fetched and mirrored ended', async () => {
    const { s, price } = await emulator()
    const { customer, subs, queue } = await mirroredThenCanceled(s, price)
    await s.stripe.customers.update(customer.id, { name: 'After' })
    await queueEvents(sql, queue, [lastOf(s.eventsOf(customer.id), 'customer.updated')])
    const calls = await syncAll(s, queue)
    expect(calls).toEqual([`GET /v1/customers/${customer.id}`, `GET /v1/subscriptions/${subs[0].id}`])
    const [sub] = await sql`select status from public.stripe_subscriptions where id = ${subs[0].id}`
    expect(sub.status).toBe('canceled')
  })

  test('a customer with more live subscriptions than the ten Stripe embeds has the rest paged, all mirrored', async () => {
    const { s, price } = await emulator()
    const { customer, subs } = await subscribed(s, price, 12)
    const queue = await newQueue()
    await queueEvents(sql, queue, [lastOf(s.eventsOf(customer.id), 'customer.created')])
    const calls = await syncAll(s, queue)
    expect(calls.filter((c) => c === 'GET /v1/subscriptions')).toHaveLength(1)
    const [{ n }] = await sql`select count(*)::int as n from public.stripe_subscriptions where id = any(${subs.map((x) => x.id)})`
    expect(n).toBe(12)
  })

  test('a queued message naming a subscription the fetch did not bring is not absorbed: it gets a sync of its own', async () => {
    const { s, price } = await emulator()
    const { customer, subs } = await subscribed(s, price, 2)
    const queue = await newQueue()
    await s.stripe.subscriptions.cancel(subs[1].id)
    await queueEvents(sql, queue, [lastOf(s.eventsOf(customer.id), 'customer.subscription.deleted')])
    // Held by another worker while this sync peeks (so the peek cannot widen the fetch to it), given back
    // (visible, queued before the fetch) by the time this sync absorbs.
    await sql.unsafe(`update pgmq.q_${queue} set vt = now() + interval '1 minute'`)
    const limited = s.limited(limiterSql, bucket)
    const stripe = new Proxy(limited, {
      get(target, prop, receiver) {
        if (prop !== 'customers') return Reflect.get(target, prop, receiver)
        return {
          retrieve: async (id: string, params: Stripe.CustomerRetrieveParams) => {
            await sql.unsafe(`update pgmq.q_${queue} set vt = now() - interval '1 second'`)
            return target.customers.retrieve(id, params)
          },
        }
      },
    }) as Stripe
    const sync = createGroupSyncer({ sql, queue, stripe: { stripe } })
    await sync({ key: `customer:${customer.id}`, target: { kind: 'customer', customerId: customer.id }, messages: [], eventIds: [] })
    const [{ n }] = await sql.unsafe(`select count(*)::int as n from pgmq.q_${queue}`)
    expect(n).toBe(1)
    // Its own sync then fetches the ended subscription.
    expect(await syncAll(s, queue)).toContain(`GET /v1/subscriptions/${subs[1].id}`)
    const [sub] = await sql`select status from public.stripe_subscriptions where id = ${subs[1].id}`
    expect(sub.status).toBe('canceled')
  })
})
