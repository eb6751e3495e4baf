// The sync worker against the Stripe emulator (dev/stripe-emulator), with state made through the official
// client and the events the emulator emitted about it: one fetch per customer however many events, the
// mirror equal to Stripe's state, deletions, faults, dead letters and replays, one writer per customer,
// and reconciliation.
import type postgres from 'postgres'
import type Stripe from 'stripe'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { reconcile } from '../../supabase/functions/_shared/sync/reconcile.ts'
import { createGroupSyncer } from '../../supabase/functions/_shared/sync/syncer.ts'
import { runWorker } from '../../supabase/functions/_shared/sync/worker.ts'
import { adminSql, uniq } from '../helpers/stack.ts'
import { ownBucket, queueEvents, startStripe, type EmulatedStripe } from '../helpers/stripe-emulator.ts'
import type { Bucket } from '../../supabase/functions/_shared/stripe/limiter.ts'

const sql = adminSql()
// The limiter's own pool, as in stripe-sync (db.ts limiterDb).
const limiterSql = adminSql()
let s: EmulatedStripe
let product: Stripe.Product
let price: Stripe.Price
const queues: string[] = []
// This file's own rate-limit bucket: its 429s (chaos) and resets never touch the stack's 'test' bucket.
let bucket: Bucket
let dropBucket: () => Promise<void>
beforeAll(async () => {
  ;({ bucket, drop: dropBucket } = await ownBucket(sql))
  s = await startStripe()
  product = await s.stripe.products.create({ name: 'Pro', metadata: { 'limits.seats': '5' } })
  price = await s.stripe.prices.create({ product: product.id, nickname: 'Pro monthly', unit_amount: 4900, currency: 'usd', recurring: { interval: 'month' } })
})
afterAll(async () => {
  for (const q of queues) await sql`select pgmq.drop_queue(${q})`
  await dropBucket?.()
  await s.close()
  await limiterSql.end()
  await sql.end()
})

const syncer = (queue: string, timeoutMs?: number) => createGroupSyncer({ sql, queue, stripe: { stripe: s.limited(limiterSql, bucket, timeoutMs) } })

/** An organization and its Stripe customer (paying by card), subscribed to 3 × Pro: 8 events in the emulator. */
async function stripeCustomer(): Promise<{ id: string; org: string; sub: string; inv: string }> {
  const [{ id: org }] = await sql`insert into public.organizations (name) values (${uniq('org')}) returning id`
  const customer = await s.stripe.customers.create({
    email: `${org}@example.test`, name: 'Emulated Co', metadata: { organization_id: org },
    payment_method: 'pm_card_visa', invoice_settings: { default_payment_method: 'pm_card_visa' },
  })
  const sub = await s.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id, quantity: 3 }] })
  return { id: customer.id, org, sub: sub.id, inv: sub.latest_invoice as string }
}

/** A queue of this test's own (the stack's worker reads stripe_events). */
async function newQueue(): Promise<string> {
  const queue = uniq('syncq')
  queues.push(queue)
  await sql`select pgmq.create(${queue})`
  return queue
}

const statusOf = async (events: string[]) => (await sql`select status, count(*)::int as n from billing.stripe_events where id = any(${events}) group by status`) as postgres.Row[]
const seconds = (unix: number) => new Date(unix * 1000)

/** Syncs the customer's events on a queue of their own in one run: each is processed at the first try. */
async function syncAtOnce(customerId: string) {
  const queue = await newQueue()
  const events = await queueEvents(sql, queue, s.eventsOf(customerId))
  const report = await runWorker(sql, syncer(queue), { queue })
  expect(report.retried).toEqual([])
  expect(await statusOf(events)).toEqual([{ status: 'processed', n: events.length }])
}

/** Runs the worker until its queue is empty, skipping backoff waits between rounds. */
async function drain(queue: string, maxReads = 8, timeoutMs?: number) {
  for (let round = 0; round < 40; round++) {
    await runWorker(sql, syncer(queue, timeoutMs), { queue, maxReads, batchSize: 100 })
    const [{ n }] = await sql`select queue_length::int as n from pgmq.metrics(${queue})`
    if (n === 0) return
    await sql.unsafe(`update pgmq.q_${queue} set vt = now()`)
    await sql`update billing.stripe_rate_limits set paused_until = null where bucket = ${bucket}`
  }
}

describe('sync against Stripe', () => {
  test('fifty events of one customer cause one fetch of it (two calls: its payment events need its invoices), and the mirror equals Stripe\'s state', async () => {
    const c = await stripeCustomer()
    for (let i = s.eventsOf(c.id).length; i < 50; i++) await s.stripe.customers.update(c.id, { metadata: { touched: String(i) } })
    const queue = await newQueue()
    const events = await queueEvents(sql, queue, s.eventsOf(c.id))
    expect(events).toHaveLength(50)
    const before = (await s.requests()).length
    await runWorker(sql, syncer(queue), { queue, batchSize: 100 })
    // This customer's calls (and the product's, which has none): another test's retry may sync its own meanwhile.
    const calls = (await s.requests()).slice(before).filter((r) => r.customer === null || r.customer === c.id).map((r) => `${r.method} ${r.path}`)
    // Besides, the product once if no other test's sync has brought it to the mirror yet.
    expect(calls.filter((r) => r !== `GET /v1/products/${product.id}`)).toEqual([`GET /v1/customers/${c.id}`, 'GET /v1/invoices'])
    expect(calls.length).toBeLessThanOrEqual(3)
    expect(await statusOf(events)).toEqual([{ status: 'processed', n: 50 }])
    const held = s.running.emu.find(c.sub)!
    const item = held.items.data[0]
    const [sub] = await sql`select status, quantity, price_id, product_id, current_period_end from public.stripe_subscriptions where id = ${c.sub}`
    expect(sub).toEqual({ status: held.status, quantity: item.quantity, price_id: item.price.id, product_id: item.price.product, current_period_end: seconds(item.current_period_end) })
    expect(sub).toMatchObject({ status: 'active', quantity: 3, price_id: price.id, product_id: product.id })
    const [org] = await sql`select billing_status, price_id, plan_name, plan_limits, stripe_customer_id from public.organizations where id = ${c.org}`
    expect(org).toEqual({ billing_status: 'active', price_id: price.id, plan_name: 'Pro', plan_limits: { seats: 5 }, stripe_customer_id: c.id })
    const invoice = s.running.emu.find(c.inv)!
    const [inv] = await sql`select subscription_id, status, amount_paid, paid_at from public.stripe_invoices where id = ${c.inv}`
    expect(inv).toEqual({ subscription_id: c.sub, status: invoice.status, amount_paid: String(invoice.amount_paid), paid_at: seconds(invoice.status_transitions.paid_at) })
    expect(invoice.amount_paid).toBe(3 * 4900)
  })

  test('events of one customer spread across batches still cause one fetch of it', async () => {
    const cs = await Promise.all([stripeCustomer(), stripeCustomer(), stripeCustomer()])
    // Interleaved: every batch of three holds one event of each customer.
    const each = cs.map((c) => s.eventsOf(c.id).slice(-5))
    const queue = await newQueue()
    const events = await queueEvents(sql, queue, [0, 1, 2, 3, 4].flatMap((i) => each.map((e) => e[i])))
    const before = (await s.requests()).length
    await runWorker(sql, syncer(queue), { queue, batchSize: 3 })
    // Only these customers' calls: a request another test's client gave up on (the chaos test's 4 s slow
    // answers) is logged when it ends, which may be during this test.
    const mine = new Set(cs.map((c) => c.id))
    const calls = (await s.requests()).slice(before).filter((r) => r.customer !== null && mine.has(r.customer)).map((r) => `${r.method} ${r.path}`)
    expect(calls.filter((r) => r.startsWith('GET /v1/customers/')).sort()).toEqual(cs.map((c) => `GET /v1/customers/${c.id}`).sort())
    expect(await statusOf(events)).toEqual([{ status: 'processed', n: 15 }])
  })

  test('a customer deleted in Stripe, or one it never had, is mirrored as deleted and not retried', async () => {
    const gone = await s.stripe.customers.create({ email: 'gone@example.test' })
    await s.stripe.customers.del(gone.id)
    const never = uniq('cus_never')
    const queue = await newQueue()
    const events = await queueEvents(sql, queue, s.eventsOf(gone.id))
    // What ops.resync_customer queues, for an id Stripe answers 404 to.
    await sql`select pgmq.send(${queue}, billing.sync_queue_message('ops.resync', ${never}, ${never}), 0)`
    const report = await runWorker(sql, syncer(queue), { queue })
    expect(report.retried).toEqual([])
    expect(events.length).toBeGreaterThanOrEqual(2)
    expect(await statusOf(events)).toEqual([{ status: 'processed', n: events.length }])
    const rows = await sql`select id, deleted from public.stripe_customers where id = any(${[gone.id, never]}) order by id = ${gone.id} desc`
    expect(rows).toEqual([{ id: gone.id, deleted: true }, { id: never, deleted: true }])
  })

  test('a customer deleted before it was ever synced still gets its subscription, invoice and organization mirrored', async () => {
    const c = await stripeCustomer()
    await s.stripe.customers.del(c.id)
    const queue = await newQueue()
    const events = await queueEvents(sql, queue, s.eventsOf(c.id))
    await drain(queue)
    expect(await statusOf(events)).toEqual([{ status: 'processed', n: events.length }])
    const held = s.running.emu.find(c.sub)!
    expect(await sql`select status from public.stripe_subscriptions where id = ${c.sub}`).toEqual([{ status: 'canceled' }])
    expect(await sql`select status, amount_paid::int from public.stripe_invoices where id = ${c.inv}`).toEqual([{ status: 'paid', amount_paid: 3 * 4900 }])
    const [org] = await sql`select stripe_customer_id, billing_status, cancelled_at, price_id from public.organizations where id = ${c.org}`
    expect(org).toEqual({ stripe_customer_id: c.id, billing_status: 'cancelled', cancelled_at: seconds(held.ended_at), price_id: price.id })
  })

  test('a customer whose name holds U+0000 (which Postgres cannot store) is synced, with U+FFFD in its place', async () => {
    const c = await s.stripe.customers.create({ email: 'nul@example.test', name: 'Nul\u0000 Ltd', metadata: { ref: 'a\u0000b' } })
    await syncAtOnce(c.id)
    const [row] = await sql`select name, metadata from public.stripe_customers where id = ${c.id}`
    expect(row).toEqual({ name: 'Nul\uFFFD Ltd', metadata: { ref: 'a\uFFFDb' } })
  })

  test('a customer whose name Stripe returns with a lone UTF-16 surrogate (which Postgres refuses) is synced, with U+FFFD in its place', async () => {
    const c = await s.stripe.customers.create({ email: 'surrogate@example.test', name: 'placeholder' })
    // The official client cannot send a lone surrogate (it form-encodes), but Stripe's JSON can carry one.
    Object.assign(s.running.emu.find(c.id)!, { name: 'Half \uD83D Ltd', metadata: { ref: 'x\uDE00y' } })
    await syncAtOnce(c.id)
    const [row] = await sql`select name, metadata from public.stripe_customers where id = ${c.id}`
    expect(row).toEqual({ name: 'Half \uFFFD Ltd', metadata: { ref: 'x\uFFFDy' } })
  })

  test('a customer Stripe returns nested past 100 levels is a dead letter at once, saying why, not retried', async () => {
    const c = await s.stripe.customers.create({ email: 'deep@example.test' })
    let deep: Record<string, unknown> = { end: true }
    for (let i = 0; i < 200; i++) deep = { a: deep }
    Object.assign(s.running.emu.find(c.id)!, { deep })
    const queue = await newQueue()
    const events = await queueEvents(sql, queue, s.eventsOf(c.id))
    // No such customer matches Stripe's spec: strict mode would refuse to serve it.
    const report = await s.running.emu.conformance.servingAsIs(() => runWorker(sql, syncer(queue), { queue }))
    expect(report.retried).toEqual([])
    expect(report.dead).toEqual([expect.objectContaining({ error: expect.stringMatching(/nested deeper than 100 levels \(at deep\.a\.a/) })])
    expect(await statusOf(events)).toEqual([{ status: 'dead', n: events.length }])
  })

  test('deleting a subscribed customer in Stripe cancels its subscriptions, and the mirror and organization follow', async () => {
    const c = await stripeCustomer()
    const queue = await newQueue()
    await queueEvents(sql, queue, s.eventsOf(c.id))
    await drain(queue)
    expect((await sql`select billing_status from public.organizations where id = ${c.org}`)[0].billing_status).toBe('active')
    const seen = s.eventsOf(c.id).length
    // Stripe cancels the subscriptions at once, then deletes the customer; its list calls then know it no more.
    await s.stripe.customers.del(c.id)
    const events = await queueEvents(sql, queue, s.eventsOf(c.id).slice(seen))
    expect(s.eventsOf(c.id).slice(seen).map((e) => e.type)).toEqual(['customer.subscription.deleted', 'customer.deleted'])
    await drain(queue)
    expect(await statusOf(events)).toEqual([{ status: 'processed', n: 2 }])
    const held = s.running.emu.find(c.sub)!
    const [sub] = await sql`select status, ended_at from public.stripe_subscriptions where id = ${c.sub}`
    expect(sub).toEqual({ status: 'canceled', ended_at: seconds(held.ended_at) })
    const [org] = await sql`select billing_status, cancelled_at, next_billing_at from public.organizations where id = ${c.org}`
    expect(org).toEqual({ billing_status: 'cancelled', cancelled_at: seconds(held.ended_at), next_billing_at: null })
    expect((await sql`select deleted from public.stripe_customers where id = ${c.id}`)[0].deleted).toBe(true)
  })

  test('with 30% of Stripe calls failing (429, 500, timeouts) every event is eventually synced and none is lost', { timeout: 120_000 }, async () => {
    // Enough customers that each kind of fault is all but certain to be met (a customer costs one or two calls).
    const customers = await Promise.all(Array.from({ length: 24 }, () => stripeCustomer()))
    const queue = await newQueue()
    const events = await queueEvents(sql, queue, customers.flatMap((c) => s.eventsOf(c.id).slice(-3)))
    const before = (await s.requests()).length
    // Slow answers take twice the client's 2 s timeout (a loaded machine may time out others too: one more fault).
    await s.chaos({ seed: 42, rate429: 0.1, rate500: 0.1, slowRate: 0.1, slowMs: 4000 })
    try {
      await drain(queue, 8, 2000)
    } finally {
      await s.chaos({})
    }
    expect(await statusOf(events)).toEqual([{ status: 'processed', n: events.length }])
    const mirrored = await sql`select count(*)::int as n from public.stripe_subscriptions where id = any(${customers.map((c) => c.sub)}) and status = 'active'`
    expect(mirrored[0].n).toBe(customers.length)
    expect(new Set((await s.requests()).slice(before).map((r) => r.fault))).toEqual(new Set([null, '429', '500', 'slow']))
  })

  test('a poison customer becomes a dead letter, and after the fault is removed ops.replay_event syncs it', { timeout: 60_000 }, async () => {
    const c = await stripeCustomer()
    const queue = await newQueue()
    const events = await queueEvents(sql, queue, s.eventsOf(c.id).slice(-1))
    await s.chaos({ failCustomers: [c.id] })
    try {
      await drain(queue, 2)
    } finally {
      await s.chaos({})
    }
    expect(await statusOf(events)).toEqual([{ status: 'dead', n: 1 }])
    const [dead] = await sql`select last_error from ops.dead_letters where event_id = ${events[0]}`
    expect(dead.last_error).toMatch(/\(500\)/)
    // Replay puts it on the product's queue; moved to this test's queue in the same transaction, so the
    // stack's own worker never sees it.
    await sql.begin(async (tx) => {
      await tx`select ops.replay_event(${events[0]})`
      const [moved] = await tx`delete from pgmq.q_stripe_events where message ->> 'event_id' = ${events[0]} returning message`
      await tx`select pgmq.send(${queue}, ${moved.message}, 0)`
    })
    await drain(queue)
    expect(await statusOf(events)).toEqual([{ status: 'processed', n: 1 }])
  })

  test('two workers running at once never interleave their fetches and writes for one customer', async () => {
    const c = await stripeCustomer()
    const queue = await newQueue()
    // Two events that need the same fetch (the customer and its subscriptions: one call each).
    for (const name of ['One', 'Two']) await s.stripe.customers.update(c.id, { name })
    await queueEvents(sql, queue, s.eventsOf(c.id).slice(-2))
    const before = (await s.requests()).length
    await s.chaos({ slowRate: 1, slowMs: 80 })
    // Without coalescing: a worker whose peek runs before the other worker's read would absorb the other
    // message (one fetch, nothing left to interleave); without it each worker syncs its own message, and
    // only the customer's lock keeps the two fetches apart.
    const own = () => createGroupSyncer({ sql, queue, coalesce: false, stripe: { stripe: s.limited(limiterSql, bucket) } })
    try {
      await Promise.all([runWorker(sql, own(), { queue, batchSize: 1 }), runWorker(sql, own(), { queue, batchSize: 1 })])
    } finally {
      await s.chaos({})
    }
    const mine = (await s.requests()).slice(before).filter((r) => r.customer === c.id).sort((a, b) => a.start - b.start)
    expect(mine.map((r) => r.path)).toEqual([`/v1/customers/${c.id}`, `/v1/customers/${c.id}`])
    // The second worker's request starts only after the first worker's ended.
    expect(mine[1].start).toBeGreaterThanOrEqual(mine[0].end)
  })

  test('reconciliation records the events Stripe has and the inbox lacks, and only those', async () => {
    // An emulator of its own, so its Events API lists exactly these two events.
    const own = await startStripe()
    const conn = await sql.reserve()
    const events: string[] = []
    try {
      const p = await own.stripe.products.create({ name: 'Reconciled' })
      await own.stripe.products.update(p.id, { name: 'Reconciled again' })
      const [have, missed] = own.running.emu.all('event')
      events.push(have.id, missed.id)
      expect([have.type, missed.type]).toEqual(['product.created', 'product.updated'])
      await queueEvents(sql, await newQueue(), [have])
      // Recorded without the enqueue trigger: the stack's worker would fetch the product from its own emulator.
      await conn`set session_replication_role = replica`
      const report = await reconcile(conn, { stripe: own.limited(limiterSql, bucket) }, 3)
      expect(report).toMatchObject({ listed: 2, recorded: [missed.id] })
      const [row] = await sql`select verified_by from billing.stripe_events where id = ${missed.id}`
      expect(row.verified_by).toBe('events-api')
    } finally {
      await conn`reset session_replication_role`
      conn.release()
      await own.close()
      // On none of the stack's queues, left pending for ever they kept its stack from being quiet (quiet.ts).
      await sql`delete from billing.stripe_events where id = any(${events})`
    }
  })
})
