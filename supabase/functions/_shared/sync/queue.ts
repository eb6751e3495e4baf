// The stripe_events queue as the sync worker uses it, through pgmq functions hosted pgmq 1.4 also has.
import type postgres from 'postgres'
import { z } from 'zod'

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

export async function readBatch(sql: postgres.Sql, queue: string, qty: number, visibilitySeconds: number): Promise<Message[]> {
  const rows = await sql<{ msg_id: string; read_ct: number; message: unknown }[]>`
    select msg_id::text, read_ct, message from pgmq.read(${queue}, ${visibilitySeconds}, ${qty})`
  return rows.map((r) => {
    const parsed = QueuedEvent.safeParse(r.message)
    return { msgId: r.msg_id, readCount: r.read_ct, body: parsed.success ? parsed.data : undefined, raw: r.message }
  })
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
