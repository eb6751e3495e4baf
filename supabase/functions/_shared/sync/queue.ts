// The stripe_events queue as the sync worker uses it, through pgmq functions hosted pgmq 1.4 also has, and
// one read of its own (pgmq.read's statement with a settle window) on the queue table those versions share.
import type postgres from 'postgres'
import { z } from 'zod'
import { statement } from '../one-trip.ts'

/** The queue the inbox trigger feeds (tests use queues of their own). */
export const QUEUE = 'stripe_events'

/** What the inbox trigger (and ops.replay_event / ops.resync_customer) put on the queue. */
const QueuedEvent = z.object({
  event_id: z.string().nullable(),
  type: z.string(),
  customer_id: z.string().nullable(),
  object_id: z.string().nullable(),
  replay: z.boolean().optional(),
})
type QueuedEvent = z.infer<typeof QueuedEvent>

export interface Message {
  msgId: string
  readCount: number
  /** Undefined when the message failed validation (it is dead-lettered at once). */
  body?: QueuedEvent
  raw: unknown
}

/** A batch read with a settle window (see readBatch). */
export interface Read {
  messages: Message[]
  /** The database's clock at the read: a worker's first read marks what it answers for (`since`). */
  at: Date
  /**
   * Ms until the first held-back message enqueued before `since` can be taken; null when none is held
   * back. (Waiting for the last of them instead saved 6 reads in 250 on the lag load, for more lag.)
   * Messages enqueued later have kicks of their own (webhook/kick.ts).
   */
  waitMs: number | null
  /** Whether the read found the queue flooded (FLOOD_TAIL messages within FLOOD_SPAN_MS) and used `settle.flood`. */
  flood: boolean
}

export interface Settle {
  /** A customer's (or object's) messages are taken once none of them is younger than this. */
  settleMs: number
  /** ...or once one of them has waited this long, however busy the customer. */
  maxWaitMs: number
  /** Held-back messages enqueued before this time are the reader's to wait for (null: the read's own time). */
  since: Date | null
  /** The window while the queue is flooded (see FLOOD_TAIL); absent, the same as the one above. */
  flood?: { settleMs: number; maxWaitMs: number }
}

/** The last messages of the queue looked at to find busy customers: a settle window's worth at any sane rate. */
const TAIL = 256

/**
 * A flood: the queue's last FLOOD_TAIL (all of its tail) messages arrived within FLOOD_SPAN_MS, over 256
 * events a second, more than Stripe's live rate limit (100 calls a second) can fetch one customer per
 * event. Each sync then spends a Stripe call and a transaction on a customer that has more events
 * coming within milliseconds; the flood window lets them gather into fewer, larger groups.
 */
export const FLOOD_TAIL = TAIL
export const FLOOD_SPAN_MS = 1000
const FLOOD_SPAN_S = FLOOD_SPAN_MS / 1000

/** Message key: what the sync fetches (groups.ts coalesces on the same). */
const KEY = `coalesce(message->>'customer_id', message->>'object_id')`

/**
 * pgmq.read's statement (one update of the claimed rows, `for update skip locked`, read_ct + 1, vt
 * moved), except that it leaves a busy customer's messages in the queue, untouched, until the customer
 * has been quiet for `settleMs`: a burst of events (a checkout gives ~8 in a second or two) becomes one
 * group, one Stripe call and one transaction instead of one per read that cuts it. While the queue is
 * flooded (FLOOD_TAIL), the flood window ($6, $7) replaces the settle window ($3, $4). The last row of
 * the answer (msg_id null) carries the read's time, how long until a held message the reader answers
 * for can be taken, and whether the queue was flooded.
 */
function settledReadSql(queue: string): string {
  if (!/^[a-z0-9_]+$/.test(queue)) throw new Error(`invalid queue name ${queue}`)
  const q = `pgmq.q_${queue}`
  return `
    with clock as (select clock_timestamp() as t),
    tail as materialized (select ${KEY} as k, enqueued_at, vt <= (select t from clock) as visible from ${q} order by msg_id desc limit ${TAIL}),
    win as (
      select flood, case when flood then $6::float8 else $3::float8 end as settle_ms, case when flood then $7::float8 else $4::float8 end as max_ms
      from (select count(*) >= ${FLOOD_TAIL}
          and min(enqueued_at) > (select t from clock) - make_interval(secs => ${FLOOD_SPAN_S}) as flood from tail) f),
    busy as (
      select k, max(enqueued_at) as newest, min(enqueued_at) filter (where visible) as oldest, bool_or(visible and enqueued_at < coalesce($5, t)) as mine
      from tail, clock, win
      where k is not null
      group by k, t, settle_ms, max_ms
      having max(enqueued_at) > t - make_interval(secs => settle_ms / 1000.0)
        and coalesce(min(enqueued_at) filter (where visible), t) > t - make_interval(secs => max_ms / 1000.0)),
    picked as (
      select msg_id from ${q}, clock, win
      where vt <= t and (enqueued_at <= t - make_interval(secs => max_ms / 1000.0) or ${KEY} is null or ${KEY} not in (select k from busy))
      order by msg_id limit $2 for update skip locked),
    claimed as (
      update ${q} m set vt = (select t from clock) + make_interval(secs => $1), read_ct = m.read_ct + 1
      from picked where m.msg_id = picked.msg_id
      returning m.msg_id, m.read_ct, m.message)
    select msg_id::text, read_ct, message, null::timestamptz as at, null::float8 as wait_ms, null::boolean as flood from claimed
    union all
    select null, null, null, t, (select extract(epoch from min(least(newest + make_interval(secs => settle_ms / 1000.0), oldest + make_interval(secs => max_ms / 1000.0))) - t) * 1000
      from busy, win where mine), (select flood from win) from clock`
}

/** Claims up to `qty` visible messages for `visibilitySeconds`, holding back busy customers' (`settle`). */
export async function readBatch(sql: postgres.Sql, queue: string, qty: number, visibilitySeconds: number, settle: Settle): Promise<Read> {
  const flood = settle.flood ?? settle
  const rows = await statement<{ msg_id: string | null; read_ct: number; message: unknown; at: Date | null; wait_ms: number | null; flood: boolean | null }[]>(
    sql,
    settledReadSql(queue),
    [visibilitySeconds, qty, settle.settleMs, settle.maxWaitMs, settle.since, flood.settleMs, flood.maxWaitMs],
  )
  const read: Read = { messages: [], at: new Date(), waitMs: null, flood: false }
  for (const r of rows) {
    if (r.msg_id === null) {
      read.at = r.at!
      read.waitMs = r.wait_ms === null ? null : Math.max(0, r.wait_ms)
      read.flood = r.flood === true
      continue
    }
    const parsed = QueuedEvent.safeParse(r.message)
    read.messages.push({ msgId: r.msg_id, readCount: r.read_ct, body: parsed.success ? parsed.data : undefined, raw: r.message })
  }
  // Oldest first, as pgmq.read answers.
  read.messages.sort((a, b) => a.msgId.length - b.msgId.length || (a.msgId < b.msgId ? -1 : 1))
  return read
}

/**
 * Pushes the visibility timeout of messages a live worker still holds `seconds` into the future, in
 * one call (pgmq's set_vt takes an array of message ids).
 */
export async function extendVisibility(sql: postgres.Sql, queue: string, msgIds: string[], seconds: number): Promise<void> {
  if (msgIds.length === 0) return
  await sql`select pgmq.set_vt(${queue}::text, ${msgIds}::bigint[], ${seconds}::integer)`
}

/**
 * Whether messages that were read before are visible again: their worker died, a retry's backoff ended,
 * or a worker out of budget gave them back. Never-read messages have the webhook's kick instead.
 */
export async function hasReturnedMessages(sql: postgres.Sql, queue: string): Promise<boolean> {
  if (!/^[a-z0-9_]+$/.test(queue)) throw new Error(`invalid queue name ${queue}`)
  const [row] = await sql.unsafe<{ returned: boolean }[]>(`select exists (select 1 from pgmq.q_${queue} where vt <= now() and read_ct > 0) as returned`)
  return row.returned
}

/** Removes finished messages; called only after their work has committed. */
export async function deleteMessages(sql: postgres.Sql, queue: string, msgIds: string[]): Promise<void> {
  if (msgIds.length === 0) return
  await sql`select pgmq.delete(${queue}, ${msgIds}::bigint[])`
}

/** Makes messages visible again after `seconds` (0: at once, for work the budget left undone). */
export async function retryLater(sql: postgres.Sql, queue: string, msgIds: string[], seconds: number): Promise<void> {
  await extendVisibility(sql, queue, msgIds, Math.max(0, Math.round(seconds)))
}

/** Moves messages to the queue's archive: dead letters keep their body for inspection. */
export async function archiveMessages(sql: postgres.Sql, queue: string, msgIds: string[]): Promise<void> {
  if (msgIds.length === 0) return
  await sql`select pgmq.archive(${queue}, ${msgIds}::bigint[])`
}
