// Coalescing across batches: a customer's other visible messages are finished in the sync's transaction
// instead of causing another fetch, when the fetch covers what they need (needs.ts). So that it does, the
// sync first locks them (with the customer's lock, before the fetch begins) and widens its fetch to
// their needs. Rows another worker has locked are skipped, and so are seat changes: one queued after
// this group read its seat count still has a count to bring to Stripe. Each step shares its round trip
// with another: the lock with the peek, the write of the state with the end of the group.
import type postgres from 'postgres'
import { NonRetriableError } from '../errors.ts'
import { jsonbSafe } from '../jsonb.ts'
import { storableAsIs } from '../webhook/fast-envelope.ts'
import type { SyncedEvent } from './handoff.ts'
import { type Coverage, covers } from './needs.ts'
import { SEATS_MESSAGE } from './seats.ts'
import { transactionBegunWith } from './transaction.ts'

function queueTable(queue: string): string {
  if (!/^[a-z0-9_]+$/.test(queue)) throw new Error(`invalid queue name ${queue}`)
  return `pgmq.q_${queue}`
}

export interface Queued {
  msg_id: string
  event_id: string | null
  type: string | null
  object_id: string | null
}

export interface Peeked {
  /** The customer's other visible messages, locked until the sync commits: absorbed if the fetch covers them. */
  queued: Queued[]
  /** The subscriptions the mirror has live for the customer. */
  live: string[]
}

/**
 * `s` as an SQL string literal, as Postgres' quote_literal writes it (right whatever
 * standard_conforming_strings says). Postgres text cannot hold U+0000: refused here, as a parameter would be.
 */
function sqlLiteral(s: string): string {
  if (s.includes('\u0000')) throw new NonRetriableError('U+0000 in an SQL literal')
  const quoted = s.replaceAll("'", "''")
  return s.includes('\\') ? `E'${quoted.replaceAll('\\', '\\\\')}'` : `'${quoted}'`
}

/**
 * The statement that takes the customer's transaction advisory lock (one writer per customer, DESIGN
 * rule 2) and, in the same round trip, locks its other visible messages on `queue` (none when null; each
 * queued before the fetch begins) and reads its live subscriptions in the mirror.
 *
 * Its values are literals, not parameters: planned with the customer in hand, it takes the queue's
 * customer index (20261202130000), where a prepared statement's generic plan, made while the queue was
 * empty, scans the whole queue until an analyze replaces it (also once a burst has queued thousands of
 * messages); and an unprepared statement with parameters costs postgres.js two round trips (it asks
 * for the parameters' types first), a literal one a single one.
 */
function peekStatement(lockKey: string, queue: string | null, customerId: string): string {
  const customer = sqlLiteral(customerId)
  // After the advisory lock (the select list is evaluated in order), so that a message another sync of
  // this customer finished while this one waited is gone: a deleted row is not locked.
  const queued = queue === null ? `null::jsonb` : `(select jsonb_agg(jsonb_build_object('msg_id', msg_id::text, 'event_id', message ->> 'event_id',
          'type', message ->> 'type', 'object_id', message ->> 'object_id'))
        from (select msg_id, message from ${queueTable(queue)}
          where message ->> 'customer_id' = ${customer} and vt <= now() and message ->> 'type' is distinct from ${sqlLiteral(SEATS_MESSAGE)}
          for update skip locked) q)`
  return `select pg_advisory_xact_lock(hashtextextended(${sqlLiteral(lockKey)}, 0)) as locked, ${queued} as queued,
       array(select id from public.stripe_subscriptions where customer_id = ${customer} and status not in ('canceled', 'incomplete_expired')) as live`
}

/**
 * Begins the customer's transaction with the lock and peek (one round trip, transaction.ts) and runs
 * `body` in it with what the peek found: committed when `body` returns, rolled back when it throws.
 */
export function withLockAndPeek<T>(
  sql: postgres.Sql,
  lockKey: string,
  queue: string | null,
  customerId: string,
  body: (tx: postgres.Sql, peeked: Peeked) => Promise<T>,
): Promise<T> {
  return transactionBegunWith<{ queued: Queued[] | null; live: string[] }, T>(
    sql,
    peekStatement(lockKey, queue, customerId),
    (tx, [row]) => body(tx, { queued: row.queued ?? [], live: row.live }),
  )
}

export interface FetchedState {
  customer: object | null
  subscriptions: unknown[]
  invoices: unknown[]
}

/** JSON text Postgres can store: as JSON.stringify wrote it when it already is (usually), else jsonbSafe's copy. */
function storable(v: unknown): string | null {
  if (v === null) return null
  const text = JSON.stringify(v)
  return storableAsIs(text) ? text : JSON.stringify(jsonbSafe(v))
}

/**
 * The end of a customer group, in one round trip: writes the fetched state (one SQL function that never
 * overwrites newer data with older, DESIGN rule 4), deletes the messages (its own and those it absorbed:
 * they commit with the work they stand for) and marks the events processed, returning them oldest first
 * for the workflows (with their payloads only when `withPayloads`).
 */
export async function applyAndFinish(
  tx: postgres.Sql,
  queue: string,
  customerId: string,
  fetchedAt: Date,
  state: FetchedState,
  finished: { msgIds: string[]; eventIds: string[]; withPayloads: boolean },
): Promise<SyncedEvent[]> {
  // The apply's row is the outer side of the join: it runs once, whether or not there are events.
  const rows = await tx.unsafe<
    { id: string | null; type: string; created: Date; customer_id: string | null; object_id: string | null; payload: SyncedEvent['payload'] }[]
  >(
    `with gone as (delete from ${queueTable(queue)} where msg_id = any($6::bigint[])),
     done as (
       update billing.stripe_events
       set status = 'processed', processed_at = now(), attempts = attempts + 1, last_error = null
       where id = any($7::text[])
       returning id, type, created, received_at, customer_id, object_id, case when $8 then payload end as payload),
     applied as (select billing.service_role_apply_customer_state($1, $2::text::jsonb, $3::text::jsonb, $4::text::jsonb, $5) as ok)
     select d.id, d.type, d.created, d.customer_id, d.object_id, d.payload
     from applied left join done d on true order by d.created, d.received_at`,
    [
      customerId,
      storable(state.customer),
      storable(state.subscriptions),
      storable(state.invoices),
      fetchedAt,
      finished.msgIds,
      finished.eventIds,
      finished.withPayloads,
    ],
    { prepare: true },
  )
  return rows.flatMap((r) =>
    r.id === null ? [] : [{ id: r.id, type: r.type, created: r.created, customerId: r.customer_id, objectId: r.object_id, payload: r.payload }]
  )
}

/** The queued messages a fetch that brought `coverage` covers. */
export function coveredBy(coverage: Coverage, queued: Queued[]): Queued[] {
  return queued.filter((r) => covers(coverage, r.type ?? '', r.object_id))
}
