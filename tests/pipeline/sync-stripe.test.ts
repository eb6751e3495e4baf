// The sync worker against an HTTP Stripe (the test-only stand-in, tests/helpers/fake-stripe.ts): one
// fetch per customer however many events, the mirror equal to Stripe's state, deletions, faults,
// dead letters and replays, one writer per customer, and reconciliation.
import type postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { reconcile } from '../../supabase/functions/_shared/sync/reconcile.ts'
import { createGroupSyncer } from '../../supabase/functions/_shared/sync/syncer.ts'
import { runWorker } from '../../supabase/functions/_shared/sync/worker.ts'
import { startFakeStripe, type FakeStripe } from '../helpers/fake-stripe.ts'
import { adminSql, uniq } from '../helpers/stack.ts'

const sql = adminSql()
// The limiter's own pool, as in stripe-sync (db.ts limiterDb).
const limiterSql = adminSql()
let fake: FakeStripe
const queues: string[] = []
beforeAll(async () => {
  fake = await startFakeStripe()
})
afterAll(async () => {
  for (const q of queues) await sql`select pgmq.drop_queue(${q})`
  await sql`update billing.stripe_rate_limits set tokens = burst, paused_until = null where bucket = 'test'`
  await fake.close()
  await limiterSql.end()
  await sql.end()
})

let currentQueue = 'stripe_events'
const syncer = () => createGroupSyncer({ sql, queue: currentQueue, stripe: { stripe: fake.client(), sql: limiterSql, bucket: 'test' } })
const T0 = 1_790_000_000

/** An organization and its Stripe customer, subscription and paid invoice, as Stripe holds them. */
async function stripeCustomer(status = 'active'): Promise<{ id: string; org: string; sub: string; inv: string }> {
  const id = uniq('cus')
  const [{ id: org }] = await sql`insert into public.organizations (name) values (${id}) returning id`
  const sub = uniq('sub')
  const inv = uniq('in')
  fake.customers.set(id, { id, object: 'customer', email: `${id}@example.test`, name: 'Fake Co', metadata: { organization_id: org } })
  fake.subscriptions.push({
    id: sub, object: 'subscription', customer: id, status, created: T0, cancel_at_period_end: false, trial_end: null,
    items: { object: 'list', data: [{ id: uniq('si'), object: 'subscription_item', quantity: 3, current_period_start: T0, current_period_end: T0 + 2_592_000,
      price: { id: 'price_fake_pro', object: 'price', nickname: 'Pro monthly', currency: 'usd', unit_amount: 4900, recurring: { interval: 'month', interval_count: 1 }, metadata: {},
        product: { id: 'prod_fake_pro', object: 'product', name: 'Pro', active: true, metadata: { 'limits.seats': '5' } } } }] },
  })
  fake.invoices.push({ id: inv, object: 'invoice', customer: id, status: 'paid', number: 'F-1', currency: 'usd', amount_due: 4900, amount_paid: 4900,
    created: T0, status_transitions: { paid_at: T0 + 60 }, parent: { subscription_details: { subscription: sub } } })
  return { id, org, sub, inv }
}

/** A queue of our own with `n` events per customer, and their inbox rows (recorded without the trigger). */
async function queued(customers: string[], n: number): Promise<{ queue: string; events: string[] }> {
  const queue = uniq('syncq')
  queues.push(queue)
  currentQueue = queue
  await sql`select pgmq.create(${queue})`
  const events: string[] = []
  await sql.begin(async (tx) => {
    await tx`set local session_replication_role = replica`
    for (const c of customers) {
      for (let i = 0; i < n; i++) {
        const id = `evt_${uniq()}`
        events.push(id)
        await tx`insert into billing.stripe_events (id, type, livemode, created, customer_id, payload, verified_by)
          values (${id}, 'customer.subscription.updated', false, now(), ${c}, ${tx.json({ id, type: 'customer.subscription.updated', data: { object: {} } } as never)}, 'test')`
        await tx`select pgmq.send(${queue}, ${tx.json({ event_id: id, type: 'customer.subscription.updated', customer_id: c, object_id: null } as never)}, 0)`
      }
    }
  })
  return { queue, events }
}

const statusOf = async (events: string[]) => (await sql`select status, count(*)::int as n from billing.stripe_events where id = any(${events}) group by status`) as postgres.Row[]

/** Runs the worker until its queue is empty, skipping backoff waits between rounds. */
async function drain(queue: string, maxReads = 8) {
  for (let round = 0; round < 40; round++) {
    await runWorker(sql, syncer(), { queue, maxReads, batchSize: 100 })
    const [{ n }] = await sql`select count(*)::int as n from pgmq.metrics(${queue}) m, lateral (select m.queue_length as n) x`
    if (n === 0) return
    await sql.unsafe(`update pgmq.q_${queue} set vt = now()`)
    await sql`update billing.stripe_rate_limits set paused_until = null where bucket = 'test'`
  }
}

describe('sync against Stripe', () => {
  test('fifty events of one customer cause three Stripe calls, and the mirror equals Stripe\'s state', async () => {
    const c = await stripeCustomer()
    const { queue, events } = await queued([c.id], 50)
    const before = fake.log.length
    await runWorker(sql, syncer(), { queue, batchSize: 100 })
    expect(fake.log.slice(before).map((r) => r.path)).toEqual(['/v1/customers/' + c.id, '/v1/subscriptions', '/v1/invoices'])
    expect(await statusOf(events)).toEqual([{ status: 'processed', n: 50 }])
    const [sub] = await sql`select status, quantity, price_id, product_id, current_period_end from public.stripe_subscriptions where id = ${c.sub}`
    expect(sub).toMatchObject({ status: 'active', quantity: 3, price_id: 'price_fake_pro', product_id: 'prod_fake_pro' })
    expect(sub.current_period_end.getTime()).toBe((T0 + 2_592_000) * 1000)
    const [org] = await sql`select billing_status, price_id, plan_name, plan_limits, stripe_customer_id from public.organizations where id = ${c.org}`
    expect(org).toEqual({ billing_status: 'active', price_id: 'price_fake_pro', plan_name: 'Pro', plan_limits: { seats: 5 }, stripe_customer_id: c.id })
    const [inv] = await sql`select subscription_id, amount_paid, paid_at from public.stripe_invoices where id = ${c.inv}`
    expect(inv).toMatchObject({ subscription_id: c.sub, amount_paid: '4900' })
  })

  test('events of one customer spread across batches still cause one fetch of it', async () => {
    const cs = await Promise.all([stripeCustomer(), stripeCustomer(), stripeCustomer()])
    // Interleaved: every batch of three holds one event of each customer.
    const { queue, events } = await queued(cs.map((c) => c.id), 1)
    for (let round = 0; round < 4; round++) {
      const more = await queued(cs.map((c) => c.id), 1)
      events.push(...more.events)
      await sql.unsafe(`insert into pgmq.q_${queue} (vt, message) select vt, message from pgmq.q_${more.queue}`)
      await sql`select pgmq.purge_queue(${more.queue})`
    }
    currentQueue = queue
    const before = fake.log.length
    await runWorker(sql, syncer(), { queue, batchSize: 3 })
    expect(fake.log.length - before).toBe(9)
    expect(await statusOf(events)).toEqual([{ status: 'processed', n: 15 }])
  })

  test('a customer Stripe no longer has is mirrored as deleted and its events are not retried', async () => {
    const id = uniq('cus_gone')
    const { queue, events } = await queued([id], 2)
    const report = await runWorker(sql, syncer(), { queue })
    expect(report.retried).toEqual([])
    expect(await statusOf(events)).toEqual([{ status: 'processed', n: 2 }])
    const [row] = await sql`select deleted from public.stripe_customers where id = ${id}`
    expect(row.deleted).toBe(true)
  })

  test('with 30% of Stripe calls failing (429, 500, timeouts) every event is eventually synced and none is lost', { timeout: 120_000 }, async () => {
    const customers = await Promise.all(Array.from({ length: 8 }, () => stripeCustomer()))
    const { queue, events } = await queued(customers.map((c) => c.id), 3)
    fake.faults.rate = 0.3
    fake.faults.seed = 42
    try {
      await drain(queue)
    } finally {
      fake.faults.rate = 0
    }
    expect(await statusOf(events)).toEqual([{ status: 'processed', n: events.length }])
    const mirrored = await sql`select count(*)::int as n from public.stripe_subscriptions where id = any(${customers.map((c) => c.sub)}) and status = 'active'`
    expect(mirrored[0].n).toBe(customers.length)
    expect(fake.log.some((r) => r.status === 429) && fake.log.some((r) => r.status === 500)).toBe(true)
  })

  test('a poison customer becomes a dead letter, and after the fault is removed ops.replay_event syncs it', { timeout: 60_000 }, async () => {
    const c = await stripeCustomer()
    const { queue, events } = await queued([c.id], 1)
    fake.faults.failCustomers.add(c.id)
    await drain(queue, 2)
    expect(await statusOf(events)).toEqual([{ status: 'dead', n: 1 }])
    const [dead] = await sql`select last_error from ops.dead_letters where event_id = ${events[0]}`
    expect(dead.last_error).toMatch(/500/)
    fake.faults.failCustomers.delete(c.id)
    // Replay puts it on the product's queue; move that message to this test's queue to sync it here.
    await sql`select ops.replay_event(${events[0]})`
    const [moved] = await sql`delete from pgmq.q_stripe_events where message ->> 'event_id' = ${events[0]} returning message`
    await sql`select pgmq.send(${queue}, ${moved.message}, 0)`
    await drain(queue)
    expect(await statusOf(events)).toEqual([{ status: 'processed', n: 1 }])
  })

  test('two workers running at once never interleave their fetches and writes for one customer', async () => {
    const c = await stripeCustomer()
    const { queue } = await queued([c.id], 2)
    fake.faults.delayMs = 80
    const before = fake.log.length
    try {
      await Promise.all([runWorker(sql, syncer(), { queue, batchSize: 1 }), runWorker(sql, syncer(), { queue, batchSize: 1 })])
    } finally {
      fake.faults.delayMs = 0
    }
    const mine = fake.log.slice(before).filter((r) => r.customer === c.id).sort((a, b) => a.start - b.start)
    expect(mine).toHaveLength(6)
    // The second worker's first request starts only after the first worker's last one ended.
    expect(mine[3].start).toBeGreaterThanOrEqual(mine[2].end)
    expect(mine.slice(0, 3).map((r) => r.path)).toEqual(mine.slice(3).map((r) => r.path))
  })

  test('reconciliation records the events Stripe has and the inbox lacks, and only those', async () => {
    const have = `evt_${uniq('have')}`
    const missed = `evt_${uniq('missed')}`
    const ev = (id: string) => ({ id, object: 'event', api_version: '2026-10-28.endive', created: Math.floor(Date.now() / 1000), livemode: false, type: 'product.updated', data: { object: { id: 'prod_fake_pro', object: 'product' } } })
    await sql`insert into billing.stripe_events (id, type, livemode, created, payload, verified_by) values (${have}, 'product.updated', false, now(), '{}', 'test')`
    fake.events.splice(0, fake.events.length, ev(have), ev(missed))
    const report = await reconcile(sql, fake.client(), 'test', 3)
    expect(report).toMatchObject({ listed: 2, recorded: [missed] })
    const [row] = await sql`select verified_by from billing.stripe_events where id = ${missed}`
    expect(row.verified_by).toBe('events-api')
  })
})
