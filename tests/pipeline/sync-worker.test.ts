// The sync worker's queue handling on real pgmq, with the per-customer sync replaced by a recorder:
// coalescing, retries with backoff, dead letters, the time budget. Each test has a queue of its own.
import type postgres from 'postgres'
import { afterAll, describe, expect, test } from 'vitest'
import { NonRetriableError, RetryAfterError } from '../../supabase/functions/_shared/errors.ts'
import type { Group } from '../../supabase/functions/_shared/sync/groups.ts'
import { backoffSeconds, runWorker } from '../../supabase/functions/_shared/sync/worker.ts'
import { FLOOD_SPAN_MS, FLOOD_TAIL, readBatch } from '../../supabase/functions/_shared/sync/queue.ts'
import { adminSql, uniq } from '../helpers/stack.ts'

const sql = adminSql()
const queues: string[] = []
afterAll(async () => {
  for (const q of queues) await sql`select pgmq.drop_queue(${q})`
  await sql.end()
})

/**
 * A queue holding one message per event, and inbox rows for them (inserted without the enqueue trigger).
 * The messages have waited a minute already (past any settle window), unless `fresh`.
 */
async function queueWith(events: { id: string; customer: string | null; type?: string }[], opts: { fresh?: boolean } = {}): Promise<string> {
  const q = uniq('sync')
  queues.push(q)
  await sql`select pgmq.create(${q})`
  await send(q, events)
  if (!opts.fresh) await sql.unsafe(`update pgmq.q_${q} set enqueued_at = now() - interval '1 minute'`)
  return q
}

async function send(q: string, events: { id: string; customer: string | null; type?: string }[]): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`set local session_replication_role = replica`
    for (const e of events) {
      await tx`insert into billing.stripe_events (id, type, livemode, created, customer_id, object_id, payload, verified_by)
        values (${e.id}, ${e.type ?? 'invoice.paid'}, false, now(), ${e.customer}, 'in_x', '{}', 'test')`
    }
  })
  for (const e of events) {
    await sql`select pgmq.send(${q}, billing.sync_queue_message(${e.type ?? 'invoice.paid'}, ${e.customer}, 'in_x', ${e.id}), 0)`
  }
}

const ids = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `evt_${prefix}_${i}`)
const statuses = async (eventIds: string[]) =>
  (await sql`select status, attempts, last_error from billing.stripe_events where id = any(${eventIds})`) as postgres.Row[]
const queueLength = async (q: string) => Number((await sql`select queue_length from pgmq.metrics(${q})`)[0].queue_length)

describe('sync worker', () => {
  test('fifty events of one customer and three of another are synced as two groups and deleted', async () => {
    const a = ids(50, uniq('a'))
    const b = ids(3, uniq('b'))
    const q = await queueWith([...a.map((id) => ({ id, customer: 'cus_A' })), ...b.map((id) => ({ id, customer: 'cus_B' }))])
    const groups: Group[] = []
    const report = await runWorker(sql, async (g) => void groups.push(g), { queue: q, batchSize: 100 })
    expect(groups.map((g) => [g.key, g.eventIds.length]).sort()).toEqual([['customer:cus_A', 50], ['customer:cus_B', 3]])
    expect(report.synced).toHaveLength(2)
    expect(report.stoppedBy).toBe('empty')
    expect(await queueLength(q)).toBe(0)
  })

  test('with coalescing off every event is its own group', async () => {
    const a = ids(5, uniq('nc'))
    const q = await queueWith(a.map((id) => ({ id, customer: 'cus_A' })))
    const groups: Group[] = []
    await runWorker(sql, async (g) => void groups.push(g), { queue: q, coalesce: false })
    expect(groups).toHaveLength(5)
  })

  test('a failed sync is retried later: the message comes back and the event shows the error', async () => {
    const [id] = ids(1, uniq('retry'))
    const q = await queueWith([{ id, customer: 'cus_R' }])
    const [{ before }] = await sql`select now() as before`
    const report = await runWorker(sql, async () => {
      throw new RetryAfterError('Stripe answered 429', 1000)
    }, { queue: q })
    expect(report.retried[0]).toMatchObject({ key: 'customer:cus_R', events: [id] })
    expect(report.retried[0].retryInSeconds).toBeGreaterThanOrEqual(1)
    expect(await statuses([id])).toEqual([{ status: 'failed', attempts: 1, last_error: 'RetryAfterError: Stripe answered 429' }])
    // Invisible until the backoff (rounded in the report) has passed: read from the message itself, not
    // from how fast this test reads on a loaded machine. Then it is read again.
    const [{ hidden }] = await sql.unsafe(`select vt >= $1::timestamptz + make_interval(secs => $2) as hidden from pgmq.q_${q}`, [before, report.retried[0].retryInSeconds - 0.5])
    expect(hidden).toBe(true)
    let again: postgres.Row[] = []
    for (const end = Date.now() + 30_000; again.length === 0 && Date.now() < end;) {
      again = await sql`select read_ct from pgmq.read(${q}, 30, 10)`
      if (again.length === 0) await new Promise((r) => setTimeout(r, 200))
    }
    expect(again.map((m) => m.read_ct)).toEqual([2])
  })

  test('a message that keeps failing becomes a dead letter after the configured number of reads', async () => {
    const [id] = ids(1, uniq('poison'))
    const q = await queueWith([{ id, customer: 'cus_P' }])
    const failing = async () => {
      throw new Error('Stripe 500')
    }
    for (let read = 1; read < 3; read++) {
      await runWorker(sql, failing, { queue: q, maxReads: 3 })
      // Skip the backoff wait: make the message visible again now.
      await sql.unsafe(`update pgmq.q_${q} set vt = now()`)
    }
    const report = await runWorker(sql, failing, { queue: q, maxReads: 3 })
    expect(report.dead).toEqual([{ key: 'customer:cus_P', events: [id], error: 'Error: Stripe 500' }])
    expect(await statuses([id])).toEqual([{ status: 'dead', attempts: 3, last_error: 'Error: Stripe 500' }])
    expect(await queueLength(q)).toBe(0)
    expect(await sql.unsafe(`select message ->> 'event_id' as id from pgmq.a_${q}`)).toEqual([{ id }])
  })

  test('a non-retriable failure is a dead letter at once', async () => {
    const [id] = ids(1, uniq('nonretry'))
    const q = await queueWith([{ id, customer: 'cus_N' }])
    const report = await runWorker(sql, async () => {
      throw new NonRetriableError('Stripe 400: No such price')
    }, { queue: q })
    expect(report.dead).toHaveLength(1)
    expect((await statuses([id]))[0].status).toBe('dead')
  })

  test('messages that are not queued events are archived, all of a batch in one call, without being synced', async () => {
    const q = uniq('sync')
    queues.push(q)
    await sql`select pgmq.create(${q})`
    await sql`select pgmq.send(${q}, ${sql.json({ nonsense: true })}, 0)`
    await sql`select pgmq.send(${q}, ${sql.json({ nonsense: 2 })}, 0)`
    let called = false
    const report = await runWorker(sql, async () => void (called = true), { queue: q })
    expect(called).toBe(false)
    expect(report.dead.map((d) => d.error)).toEqual(['message is not a queued event', 'message is not a queued event'])
    expect(await queueLength(q)).toBe(0)
    // Archived (kept for inspection), not deleted: both bodies are in the queue's archive.
    const archived = await sql.unsafe(`select message from pgmq.a_${q} order by msg_id`)
    expect(archived.map((r) => r.message)).toEqual([{ nonsense: true }, { nonsense: 2 }])
  })

  test('work left when the time budget runs out is released for the next worker at once', async () => {
    const a = ids(6, uniq('budget'))
    const q = await queueWith(a.map((id, i) => ({ id, customer: `cus_budget_${i}` })))
    const report = await runWorker(sql, () => new Promise((r) => setTimeout(r, 60)), { queue: q, budgetMs: 100, concurrency: 1 })
    expect(report.stoppedBy).toBe('budget')
    expect(report.synced.length).toBeLessThan(6)
    const visible = await sql`select msg_id from pgmq.read(${q}, 30, 10)`
    expect(visible.length).toBe(6 - report.synced.length)
  })

  test('the groups left when the budget runs out go back to the queue in one statement', async () => {
    const a = ids(6, uniq('budgetone'))
    const q = await queueWith(a.map((id, i) => ({ id, customer: `cus_budgetone_${i}` })))
    // Counts the visibility changes the worker sends (the renewals come every 10 s: none in this test).
    let setVt = 0
    const counting = new Proxy(sql, {
      apply(target, self, args) {
        if (Array.isArray(args[0]) && args[0].join('').includes('pgmq.set_vt')) setVt++
        return Reflect.apply(target, self, args)
      },
    })
    const report = await runWorker(counting, () => new Promise((r) => setTimeout(r, 60)), { queue: q, budgetMs: 100, concurrency: 2, visibilitySeconds: 30 })
    expect(report.stoppedBy).toBe('budget')
    expect(report.synced.length).toBeLessThan(5)
    expect(setVt).toBe(1)
    expect((await sql`select msg_id from pgmq.read(${q}, 30, 10)`).length).toBe(6 - report.synced.length)
  })

  test("a busy customer's burst waits in the queue until the customer is quiet, then goes as one group", { timeout: 60_000 }, async () => {
    const [old] = ids(1, uniq('quiet'))
    const burst = ids(4, uniq('burst'))
    const q = await queueWith([{ id: old, customer: 'cus_Q' }])
    await send(q, burst.slice(0, 2).map((id) => ({ id, customer: 'cus_S' })))
    const groups: Group[] = []
    const report = await runWorker(sql, async (g) => {
      groups.push(g)
      // The rest of cus_S's burst arrives after the worker's first read (which took cus_Q's old event).
      if (g.key === 'customer:cus_Q') await send(q, burst.slice(2).map((id) => ({ id, customer: 'cus_S' })))
    }, { queue: q, settleMs: 3000, maxSettleMs: 30_000 })
    expect(groups.map((g) => [g.key, g.eventIds.length])).toEqual([['customer:cus_Q', 1], ['customer:cus_S', 4]])
    expect(report.stoppedBy).toBe('empty')
    expect(await queueLength(q)).toBe(0)
  })

  test('a drain waits for the busy customers it found at its first read, not for those that come later (their own kicks do)', { timeout: 60_000 }, async () => {
    const [old, lone, late] = ids(3, uniq('since'))
    const q = await queueWith([{ id: old, customer: 'cus_O' }])
    await send(q, [{ id: lone, customer: 'cus_L' }])
    const groups: Group[] = []
    const report = await runWorker(sql, async (g) => {
      groups.push(g)
      // cus_T's first event comes after the first read, late enough to be busy still when cus_L is taken.
      if (g.key !== 'customer:cus_O') return
      await new Promise((r) => setTimeout(r, 500))
      await send(q, [{ id: late, customer: 'cus_T' }])
    }, { queue: q, settleMs: 1500, maxSettleMs: 30_000 })
    expect(groups.map((g) => g.key)).toEqual(['customer:cus_O', 'customer:cus_L'])
    expect(report.stoppedBy).toBe('empty')
    // cus_T's message is still queued, never read.
    expect(await sql.unsafe(`select read_ct, message ->> 'event_id' as id from pgmq.q_${q}`)).toEqual([{ read_ct: 0, id: late }])
  })

  test('a customer that never goes quiet is synced once its oldest message has waited maxSettleMs', { timeout: 30_000 }, async () => {
    const [waited, fresh] = ids(2, uniq('busy'))
    const q = await queueWith([{ id: waited, customer: 'cus_B' }])
    await send(q, [{ id: fresh, customer: 'cus_B' }])
    const groups: Group[] = []
    // Settling alone would hold cus_B for a minute, past the test's timeout.
    await runWorker(sql, async (g) => void groups.push(g), { queue: q, settleMs: 60_000, maxSettleMs: 1000 })
    expect(groups.map((g) => [g.key, g.eventIds.length])).toEqual([['customer:cus_B', 2]])
  })

  /**
   * A queue of `n` messages of 50 customers (each of them among the last FLOOD_TAIL: the read looks no
   * further for busy ones), enqueued now (one statement: within the flood's span), then spread over `spreadMs`.
   */
  async function floodedQueue(n: number, spreadMs = 0): Promise<string> {
    const q = uniq('flood')
    queues.push(q)
    await sql`select pgmq.create(${q})`
    await sql`select pgmq.send_batch(${q}, array(select billing.sync_queue_message('invoice.paid', ${q} || '_cus_' || i % 50, 'in_x', ${q} || '_evt_' || i)
      from generate_series(1, ${n}) i))`
    if (spreadMs) await sql.unsafe(`update pgmq.q_${q} set enqueued_at = enqueued_at - (${n} - msg_id) * interval '1 ms' * ${spreadMs / n}`)
    return q
  }
  // The settle window lets every message go at once; the flood window would hold them all for a minute.
  const FLOODED = { settleMs: 0, maxWaitMs: 60_000, since: null, flood: { settleMs: 60_000, maxWaitMs: 60_000 } }

  test('while the queue is flooded (its last FLOOD_TAIL messages within FLOOD_SPAN_MS), a read holds busy customers for the flood window', async () => {
    const q = await floodedQueue(FLOOD_TAIL + 44)
    const read = await readBatch(sql, q, 500, 30, FLOODED)
    expect(read.flood).toBe(true)
    expect(read.messages).toHaveLength(0)
    expect(read.waitMs).toBeGreaterThan(50_000)
    // The same read without a flood window of its own uses the settle window: all of them go.
    const plain = await readBatch(sql, q, 500, 30, { ...FLOODED, flood: undefined })
    expect(plain.flood).toBe(true)
    expect(plain.messages).toHaveLength(FLOOD_TAIL + 44)
  })

  test('below the flood rate the settle window applies: fewer than FLOOD_TAIL messages, or spread over more than FLOOD_SPAN_MS', async () => {
    const few = await readBatch(sql, await floodedQueue(FLOOD_TAIL - 1), 500, 30, FLOODED)
    expect([few.flood, few.messages.length]).toEqual([false, FLOOD_TAIL - 1])
    const spread = await readBatch(sql, await floodedQueue(FLOOD_TAIL + 44, FLOOD_SPAN_MS * 1.5), 500, 30, FLOODED)
    expect([spread.flood, spread.messages.length]).toEqual([false, FLOOD_TAIL + 44])
  })

  test("in a flood, a customer's messages go once one has waited the flood window's maximum", { timeout: 30_000 }, async () => {
    const q = await floodedQueue(FLOOD_TAIL + 44)
    const started = Date.now()
    const groups: number[] = []
    const report = await runWorker(sql, async () => void groups.push(Date.now() - started), {
      queue: q, batchSize: 500, settleMs: 0, maxSettleMs: 60_000, floodSettleMs: 60_000, floodMaxSettleMs: 800,
    })
    expect(report.stoppedBy).toBe('empty')
    expect(groups).toHaveLength(50)
    // Held for the flood's maximum wait (the settle window alone would have let them go at once).
    expect(Math.min(...groups)).toBeGreaterThanOrEqual(700)
    expect(await queueLength(q)).toBe(0)
  })

  test('backoff grows with each read, honours Retry-After and stays under ten minutes', () => {
    const b1 = backoffSeconds(1, new Error('x'))
    const b5 = backoffSeconds(5, new Error('x'))
    expect(b1).toBeGreaterThanOrEqual(1.6)
    expect(b1).toBeLessThanOrEqual(2.4)
    expect(b5).toBeGreaterThan(b1 * 8)
    expect(backoffSeconds(1, new RetryAfterError('429', 30_000))).toBeGreaterThanOrEqual(30)
    expect(backoffSeconds(30, new Error('x'))).toBeLessThanOrEqual(720)
  })
})
