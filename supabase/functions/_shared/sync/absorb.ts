// Coalescing across batches: a customer's other visible messages, queued before the fetch began, are
// finished in the sync's transaction instead of causing another fetch, when the fetch covers what they
// need (needs.ts). So that it does, the sync first peeks at them and widens its fetch to their needs.
// Locked rows (another worker has them) are skipped, and so are seat changes: one queued after this group
// read its seat count still has a count to bring to Stripe.
import type postgres from 'postgres'
import { type Coverage, covers } from './needs.ts'
import { SEATS_MESSAGE } from './seats.ts'

function queueTable(queue: string): string {
  if (!/^[a-z0-9_]+$/.test(queue)) throw new Error(`invalid queue name ${queue}`)
  return `pgmq.q_${queue}`
}

/**
 * Takes the customer's transaction advisory lock (one writer per customer, DESIGN rule 2) and, in the same
 * round trip, lists the type and object of its other visible messages on `queue` (none when null). The
 * list is a hint for the fetch only: absorbing re-reads and locks the rows.
 */
export async function lockAndPeek(
  tx: postgres.TransactionSql,
  lockKey: string,
  queue: string | null,
  customerId: string,
): Promise<{ type: string; object_id: string | null }[]> {
  if (queue === null) {
    await tx`select pg_advisory_xact_lock(hashtextextended(${lockKey}, 0))`
    return []
  }
  const [row] = await tx.unsafe<{ queued: { type: string; object_id: string | null }[] | null }[]>(
    `select pg_advisory_xact_lock(hashtextextended($1, 0)) as locked,
       (select jsonb_agg(jsonb_build_object('type', message ->> 'type', 'object_id', message ->> 'object_id'))
        from ${queueTable(queue)}
        where message ->> 'customer_id' = $2 and vt <= now() and message ->> 'type' is distinct from $3) as queued`,
    [lockKey, customerId, SEATS_MESSAGE],
  )
  return (row.queued ?? []).map((m) => ({ type: m.type ?? '', object_id: m.object_id }))
}

/** Deletes the customer's visible messages queued before `fetchedAt` that the fetch covers; returns their event ids. */
export async function absorbQueued(tx: postgres.TransactionSql, queue: string, customerId: string, fetchedAt: Date, coverage: Coverage): Promise<string[]> {
  const rows = await tx.unsafe<{ msg_id: string; event_id: string | null; type: string | null; object_id: string | null }[]>(
    `select msg_id::text, message ->> 'event_id' as event_id, message ->> 'type' as type, message ->> 'object_id' as object_id
     from ${queueTable(queue)}
     where message ->> 'customer_id' = $1 and enqueued_at <= $2 and vt <= now()
       and message ->> 'type' is distinct from $3
     for update skip locked`,
    [customerId, fetchedAt, SEATS_MESSAGE],
  )
  const covered = rows.filter((r) => covers(coverage, r.type ?? '', r.object_id))
  if (covered.length > 0) await tx`select pgmq.delete(${queue}::text, ${covered.map((r) => r.msg_id)}::bigint[])`
  return covered.map((r) => r.event_id).filter((id): id is string => !!id)
}
