// Status bookkeeping on the inbox rows of the events a group carried.
import type postgres from 'postgres'
import type { SyncedEvent } from './handoff.ts'

/** Inside the sync transaction: the events' effects are committed together with this mark. */
export async function markProcessed(tx: postgres.TransactionSql | postgres.Sql, eventIds: string[]): Promise<void> {
  if (eventIds.length === 0) return
  await tx`
    update billing.stripe_events
    set status = 'processed', processed_at = now(), attempts = attempts + 1, last_error = null
    where id = any(${eventIds})`
}

/** After a failed attempt: `failed` while it will be retried, `dead` when it will not. */
export async function markFailed(sql: postgres.Sql, eventIds: string[], status: 'failed' | 'dead', attempts: number, error: string): Promise<void> {
  if (eventIds.length === 0) return
  await sql`
    update billing.stripe_events
    set status = ${status}, attempts = greatest(attempts, ${attempts}), last_error = ${error.slice(0, 2000)}
    where id = any(${eventIds}) and status <> 'processed'`
}

/**
 * The end of a group's transaction, in one round trip: deletes its messages (its own and those it
 * absorbed: they commit with the work they stand for) and marks its events processed, returning them
 * oldest first for the workflows (with their payloads only when `withPayloads`).
 */
export async function finishGroup(
  tx: postgres.TransactionSql,
  queueTable: string,
  msgIds: string[],
  eventIds: string[],
  withPayloads: boolean,
): Promise<SyncedEvent[]> {
  const rows = await tx.unsafe<
    { id: string; type: string; created: Date; customer_id: string | null; object_id: string | null; payload: SyncedEvent['payload'] }[]
  >(
    `with gone as (delete from ${queueTable} where msg_id = any($1::bigint[])),
     done as (
       update billing.stripe_events
       set status = 'processed', processed_at = now(), attempts = attempts + 1, last_error = null
       where id = any($2::text[])
       returning id, type, created, received_at, customer_id, object_id, case when $3 then payload end as payload)
     select id, type, created, customer_id, object_id, payload from done order by created, received_at`,
    [msgIds, eventIds, withPayloads],
  )
  return rows.map((r) => ({ id: r.id, type: r.type, created: r.created, customerId: r.customer_id, objectId: r.object_id, payload: r.payload }))
}
