// A customer group's statements are a large share of stripe-sync's CPU per group (issue 15: each one is a
// socket write and a parse): its transaction is the lock with the peek, then the write of the fetched
// state with the end of the group (messages deleted, events marked, their rows returned), the hand-off,
// and nothing more. The messages it absorbs are locked from the peek on: another worker reading the queue
// while this one fetches does not get them. Own emulator, queue and bucket.
import postgres from 'postgres'
import type Stripe from 'stripe'
import { afterAll, beforeAll, expect, test } from 'vitest'
import type { SyncedEvent } from '../../supabase/functions/_shared/sync/handoff.ts'
import { readBatch } from '../../supabase/functions/_shared/sync/queue.ts'
import { createGroupSyncer } from '../../supabase/functions/_shared/sync/syncer.ts'
import { groupMessages } from '../../supabase/functions/_shared/sync/groups.ts'
import { withLockAndPeek } from '../../supabase/functions/_shared/sync/absorb.ts'
import { dispatchSyncedEvents } from '../../supabase/functions/_shared/pipeline/synced-events.ts'
import { WORKFLOWS } from '../../supabase/functions/_shared/workflows/registry.ts'
import type { Bucket } from '../../supabase/functions/_shared/stripe/limiter.ts'
import { pooledSql } from '../helpers/pooler.ts'
import { adminSql, stackProfile, uniq } from '../helpers/stack.ts'
import { beforeCustomerRetrieve, type EmulatedStripe, ownBucket, queueEvents, startStripe } from '../helpers/stripe-emulator.ts'

const savedPrepare = process.env.DB_PREPARE
const restorePrepare = () => savedPrepare === undefined ? delete process.env.DB_PREPARE : (process.env.DB_PREPARE = savedPrepare)
const texts: string[] = []
const parameters: unknown[][] = []
const sql = postgres(stackProfile.dbUrl, {
  max: 2,
  onnotice: () => {},
  debug: (_c, query, params) => {
    texts.push(query)
    parameters.push(params)
  },
})
const other = adminSql()
const limiterSql = adminSql()
const queues: string[] = []
let s: EmulatedStripe
let bucket: Bucket
let dropBucket: () => Promise<void>
beforeAll(async () => {
  ;({ bucket, drop: dropBucket } = await ownBucket(other))
  s = await startStripe()
  await sql`select 1` // the client's first query on a connection reads the array types first
})
afterAll(async () => {
  for (const q of queues) await other`select pgmq.drop_queue(${q})`
  await s?.close()
  await dropBucket?.()
  for (const c of [limiterSql, other, sql]) await c.end()
})

/** Reads without a settle window (queue.ts): the test's messages are all there already. */
const NOW = { settleMs: 0, maxWaitMs: 0, since: null }

/** A customer with a subscription, its customer.* and customer.subscription.* events on a queue of its own. */
async function queuedCustomer(onQueue?: string): Promise<{ customer: Stripe.Customer; queue: string; events: string[] }> {
  const queue = onQueue ?? uniq('stmtq')
  if (!onQueue) {
    queues.push(queue)
    await other`select pgmq.create(${queue})`
  }
  const customer = await s.stripe.customers.create({ email: `${uniq('stmt')}@example.test`, payment_method: 'pm_card_visa', invoice_settings: { default_payment_method: 'pm_card_visa' } })
  const product = await s.stripe.products.create({ name: 'Statements' })
  const price = await s.stripe.prices.create({ product: product.id, unit_amount: 500, currency: 'usd', recurring: { interval: 'month' } })
  await s.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] })
  const events = await queueEvents(other, queue, s.eventsOf(customer.id).filter((e) => /^customer\.(created|updated|subscription\.)/.test(e.type as string)))
  return { customer, queue, events }
}

test('a group that absorbs the customer\'s other messages costs begin with the peek, the write and end, and commit', async () => {
  const { customer, queue, events } = await queuedCustomer()
  expect(events.length).toBeGreaterThanOrEqual(2)
  const handed: SyncedEvent[][] = []
  const syncer = createGroupSyncer({ sql, queue, stripe: { stripe: s.limited(limiterSql, bucket) }, onSynced: async (_tx, e) => void handed.push(e) })
  // The first message is the group; the others stay visible on the queue, for the sync to absorb.
  const [group] = groupMessages((await readBatch(other, queue, 1, 30, NOW)).messages)
  const from = texts.length
  await syncer(group)
  // A product the mirror lacks is looked up once per function instance: not the group's cost.
  const sent = texts.slice(from).filter((q) => !/from public\.stripe_products/.test(q))
  expect(sent, sent.join('\n---\n')).toHaveLength(3)
  // BEGIN and the peek in one message: sql.begin would wait for BEGIN's answer first.
  expect(sent[0]).toMatch(/^begin;\s*select p\.queued[^]*pg_advisory_xact_lock/)
  expect(sent[1]).toMatch(/service_role_apply_customer_state/)
  expect(sent[2]).toMatch(/^commit/)
  // The peek has no parameters: postgres.js asks for an unprepared statement's parameter types in a
  // round trip of its own first.
  expect(parameters[texts.indexOf(sent[0], from)]).toEqual([])
  // Every message went with the commit, and the events were handed over oldest first.
  const [{ n }] = await other`select queue_length::int as n from pgmq.metrics(${queue})`
  expect(n).toBe(0)
  expect(handed).toHaveLength(1)
  expect(handed[0].map((e) => e.id)).toEqual(events)
  const statuses = await other`select distinct status from billing.stripe_events where id = any(${events})`
  expect(statuses.map((r) => r.status)).toEqual(['processed'])
  const [mirrored] = await other`select id from public.stripe_customers where id = ${customer.id}`
  expect(mirrored?.id).toBe(customer.id)
})

test('the peek returns the events as json text, each payload as the inbox holds it (no jsonb document rebuilt from them)', async () => {
  const { queue, events } = await queuedCustomer()
  const handed: SyncedEvent[][] = []
  const syncer = createGroupSyncer({ sql, queue, stripe: { stripe: s.limited(limiterSql, bucket) }, onSynced: async (_tx, e) => void handed.push(e) })
  const [group] = groupMessages((await readBatch(other, queue, 1, 30, NOW)).messages)
  const from = texts.length
  await syncer(group)
  const peek = texts.slice(from).find((q) => /^begin;/.test(q))!.replace(/^begin;\s*/, '')
  // Described, not run: json (114), where jsonb (3802) took every payload apart and printed it again.
  const { columns } = await other.unsafe(peek).describe()
  expect(columns.map((c) => [c.name, c.type])).toEqual([['queued', 3802], ['live', 1009], ['events', 114]])
  const stored = await other<{ id: string; created: Date; payload: unknown }[]>`
    select id, created, payload from billing.stripe_events where id = any(${events}) order by created, received_at`
  expect(handed[0].map((e) => ({ id: e.id, created: e.created, payload: e.payload }))).toEqual(stored.map((r) => ({ ...r })))
})

test("a group's COMMIT goes with its write and hand-off, without waiting for their answers", { timeout: 30_000 }, async () => {
  // One connection, whose first group prepares the write: a statement's first use on a connection asks
  // for its parameter types first and holds what follows until that answer (postgres.js), once.
  const sent: string[] = []
  const one = postgres(stackProfile.dbUrl, { max: 1, onnotice: () => {}, debug: (_c, query) => void sent.push(query) })
  try {
    const warm = await queuedCustomer()
    const sync = createGroupSyncer({ sql: one, queue: warm.queue, stripe: { stripe: s.limited(limiterSql, bucket) }, onSynced: async () => {} })
    await sync(groupMessages((await readBatch(other, warm.queue, 1, 30, NOW)).messages)[0])
    // A second customer on the same queue (the write's text names the queue).
    const { queue, events } = await queuedCustomer(warm.queue)
    const [group] = groupMessages((await readBatch(other, queue, 1, 30, NOW)).messages)
    // Another transaction holds one of the group's events: the write (which marks them processed) waits for it.
    const blocker = await other.reserve()
    await blocker`begin`
    await blocker`select id from billing.stripe_events where id = ${events[0]} for update`
    const from = sent.length
    const syncing = sync(group)
    const committed = () => sent.slice(from).some((q) => /^commit/.test(q))
    const deadline = Date.now() + 10_000
    while (!committed() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    const sentWhileBlocked = committed()
    const [{ waiting }] = await other`select count(*)::int as waiting from pg_stat_activity where wait_event_type = 'Lock' and query like '%service_role_apply_customer_state%'`
    await blocker`rollback`
    blocker.release()
    await syncing
    // The COMMIT was on the wire while the write still waited for the lock (sent after its answer, it never would be).
    expect(sentWhileBlocked).toBe(true)
    expect(waiting).toBe(1)
    const statuses = await other`select distinct status from billing.stripe_events where id = any(${events})`
    expect(statuses.map((r) => r.status)).toEqual(['processed'])
    const [{ n }] = await other`select queue_length::int as n from pgmq.metrics(${queue})`
    expect(n).toBe(0)
  } finally {
    await one.end()
  }
})

test('a write that fails after the COMMIT was sent leaves nothing: the COMMIT is answered ROLLBACK and the group fails', { timeout: 30_000 }, async () => {
  const { queue, events } = await queuedCustomer()
  const syncer = createGroupSyncer({
    sql,
    queue,
    stripe: { stripe: s.limited(limiterSql, bucket) },
    // The hand-off's statement fails (after the write, before the COMMIT, all three sent at once).
    onSynced: async (tx) => {
      await tx.unsafe('select 1/0').execute()
    },
  })
  const [group] = groupMessages((await readBatch(other, queue, 1, 30, NOW)).messages)
  await expect(syncer(group)).rejects.toThrow(/division by zero/)
  const statuses = await other`select distinct status from billing.stripe_events where id = any(${events})`
  expect(statuses.map((r) => r.status)).not.toContain('processed')
  const [{ n }] = await other`select queue_length::int as n from pgmq.metrics(${queue})`
  expect(n).toBe(events.length)
  // Both of the pool's connections answer: none was left in the aborted transaction.
  const answers = await Promise.all([sql`select 1 as ok`, sql`select 1 as ok`, sql`select 1 as ok`])
  expect(answers.flat().map((r) => r.ok)).toEqual([1, 1, 1])
})

test('the messages a sync will absorb are locked from its peek: a worker reading the queue meanwhile does not get them', async () => {
  const { queue, events } = await queuedCustomer()
  const readDuringFetch: string[] = []
  const stripe = beforeCustomerRetrieve(s.limited(limiterSql, bucket), async () => {
    const read = (await readBatch(other, queue, 10, 30, NOW)).messages
    readDuringFetch.push(...read.map((m) => m.body!.event_id!))
  })
  const syncer = createGroupSyncer({ sql, queue, stripe: { stripe } })
  const [group] = groupMessages((await readBatch(other, queue, 1, 30, NOW)).messages)
  await syncer(group)
  expect(readDuringFetch).toEqual([])
  const [{ n }] = await other`select queue_length::int as n from pgmq.metrics(${queue})`
  expect(n).toBe(0)
  const statuses = await other`select distinct status from billing.stripe_events where id = any(${events})`
  expect(statuses.map((r) => r.status)).toEqual(['processed'])
})

test('the hand-off\'s statement is sent with the write, not after its answer: a write kept waiting does not delay it', async () => {
  const { queue, events } = await queuedCustomer()
  const handed: SyncedEvent[][] = []
  const syncer = createGroupSyncer({ sql, queue, stripe: { stripe: s.limited(limiterSql, bucket) }, onSynced: async (_tx, e) => void handed.push(e) })
  const [group] = groupMessages((await readBatch(other, queue, 1, 30, NOW)).messages)
  // Another transaction holds the events' rows: the write (which marks them processed) waits for it.
  const blocker = await other.reserve()
  await blocker`begin`
  await blocker`select 1 from billing.stripe_events where id = any(${events}) for update`
  const syncing = syncer(group)
  try {
    for (let i = 0; i < 200 && handed.length === 0; i++) await new Promise((r) => setTimeout(r, 50))
    expect(handed.map((h) => h.map((e) => e.id))).toEqual([events])
  } finally {
    await blocker`rollback`
    blocker.release()
  }
  await syncing
  const statuses = await other`select distinct status from billing.stripe_events where id = any(${events})`
  expect(statuses.map((r) => r.status)).toEqual(['processed'])
})

test('the peek finds a customer whose id needs quoting in SQL (quotes, backslashes)', async () => {
  const queue = uniq('stmtq')
  queues.push(queue)
  await other`select pgmq.create(${queue})`
  const customerId = uniq("cus_o'k\\x")
  const [{ msg }] = await other`select pgmq.send(${queue}, ${other.json({ customer_id: customerId, type: 'customer.updated', event_id: null, object_id: customerId })}) as msg`
  // A backslash in a plain literal is an escape where standard_conforming_strings is off.
  for (const conforming of ['on', 'off']) {
    const one = postgres(stackProfile.dbUrl, { max: 1, onnotice: () => {} })
    try {
      await one.unsafe(`set standard_conforming_strings = ${conforming}`)
      const peeked = await withLockAndPeek(one, { key: `stripe:${customerId}`, queue, customerId, eventIds: null }, async (_tx, p) => p)
      expect(peeked.queued.map((q) => q.msg_id), conforming).toEqual([String(msg)])
    } finally {
      await one.end()
    }
  }
})

test('the peek is planned on each call (not a prepared statement whose plan was made on an empty queue); the write is prepared', async () => {
  const { queue } = await queuedCustomer()
  // One connection, preparing as the functions' pools do on a direct URL: its prepared statements are seen from it.
  const one = postgres(stackProfile.dbUrl, { max: 1, prepare: true, onnotice: () => {} })
  process.env.DB_PREPARE = 'true'
  try {
    const syncer = createGroupSyncer({ sql: one, queue, stripe: { stripe: s.limited(limiterSql, bucket) } })
    const [group] = groupMessages((await readBatch(other, queue, 1, 30, NOW)).messages)
    await syncer(group)
    const prepared = (await one`select statement from pg_prepared_statements`).map((r) => r.statement as string)
    expect(prepared.some((q) => /service_role_apply_customer_state/.test(q)), prepared.join('\n---\n')).toBe(true)
    expect(prepared.filter((q) => /pg_advisory_xact_lock/.test(q))).toEqual([])
  } finally {
    restorePrepare()
    await one.end()
  }
})

test('behind a transaction-mode pooler (nothing prepared) a group still costs begin with the peek, then the write, the hand-off and the COMMIT in one go', async () => {
  const { customer, queue, events } = await queuedCustomer()
  // A statement with parameters would ask for their types in a round trip of its own first, holding the
  // hand-off and the COMMIT behind it.
  const { sql: pooled, seen, end } = await pooledSql()
  try {
    const syncer = createGroupSyncer({ sql: pooled, queue, stripe: { stripe: s.limited(limiterSql, bucket) }, onSynced: dispatchSyncedEvents(WORKFLOWS) })
    const [group] = groupMessages((await readBatch(other, queue, 1, 30, NOW)).messages)
    const from = seen.length
    await syncer(group)
    const sent = seen.slice(from).filter((q) => !/from public\.stripe_products/.test(q.query))
    // The lock and peek, the write, the hand-off (its statement opens with the cancels), the COMMIT.
    const heads = sent.map((q) => q.query.trim().split(/\s+/).slice(0, 2).join(' '))
    expect(heads, sent.map((q) => q.query).join('\n---\n')).toEqual(['begin; select', 'with gone', 'with runs', 'commit'])
    expect(sent[2].query).toMatch(/insert into billing\.workflow_runs/)
    // No parameters anywhere: each statement is one simple query, and the last three go in one round trip.
    expect(sent.map((q) => q.params)).toEqual([[], [], [], []])
    const statuses = await other`select distinct status from billing.stripe_events where id = any(${events})`
    expect(statuses.map((r) => r.status)).toEqual(['processed'])
    const [mirrored] = await other`select id from public.stripe_customers where id = ${customer.id}`
    expect(mirrored?.id).toBe(customer.id)
    const [{ runs }] = await other`select count(*)::int as runs from billing.workflow_runs where event -> 'data' ->> 'customerId' = ${customer.id}`
    expect(runs).toBeGreaterThan(0)
  } finally {
    await end()
  }
})
