// Coalescing across batches: a customer's other visible messages are finished in the sync's transaction
// instead of causing another fetch, when the fetch covers what they need (needs.ts). So that it does, the
// sync first locks them (with the customer's lock, before the fetch begins) and widens its fetch to
// their needs. Rows another worker has locked are skipped, and so are seat changes: one queued after
// this group read its seat count still has a count to bring to Stripe. Each step shares its round trip
// with another: the lock with the peek (and the events' rows for the hand-off), the write of the state
// with the end of the group and the hand-off's statement.
import type postgres from 'postgres'
import { jsonbSafe } from '../jsonb.ts'
import { sqlLiteral, statement } from '../one-trip.ts'
import { storableAsIs } from '../webhook/fast-envelope.ts'
import type { SyncedEvent } from './handoff.ts'
import { type Coverage, covers } from './needs.ts'
import { SEATS_MESSAGE } from './seats.ts'
import { type Sent, transactionBegunWith } from './transaction.ts'

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
  /** The rows of the group's events and of the queued messages' events, oldest first (when asked for). */
  events: SyncedEvent[]
}

/** An event's row as the peek returns it (json: `created` is text). */
type EventRow = { id: string; type: string; created: string; customer_id: string | null; object_id: string | null; payload: SyncedEvent['payload'] }
type PeekRow = { queued: Queued[] | null; live: string[]; events: EventRow[] | null }

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
function peekStatement(lockKey: string, queue: string | null, customerId: string, eventIds: string[] | null): string {
  const customer = sqlLiteral(customerId)
  // After the advisory lock (the select list is evaluated in order), so that a message another sync of
  // this customer finished while this one waited is gone: a deleted row is not locked.
  const queued = queue === null ? `null::jsonb` : `(select jsonb_agg(jsonb_build_object('msg_id', msg_id::text, 'event_id', message ->> 'event_id',
          'type', message ->> 'type', 'object_id', message ->> 'object_id'))
        from (select msg_id, message from ${queueTable(queue)}
          where message ->> 'customer_id' = ${customer} and vt <= now() and message ->> 'type' is distinct from ${sqlLiteral(SEATS_MESSAGE)}
          for update skip locked) q)`
  // Read under the lock, once the messages are: the events of the group and of every queued message
  // (the sync hands over those it absorbs), for the hand-off's statement to go with the write. As json
  // (text), not jsonb: a jsonb aggregate takes every payload apart into a new document only to print it
  // again for the client: 2.5-3.5 times the backend's CPU for this part (59-87 us more per event, groups of 5-30).
  const events = eventIds === null ? `null::json` : `(select json_agg(json_build_object('id', e.id, 'type', e.type, 'created', e.created,
          'customer_id', e.customer_id, 'object_id', e.object_id, 'payload', e.payload) order by e.created, e.received_at)
        from billing.stripe_events e
        where e.id = any(array[${eventIds.map(sqlLiteral).join(', ')}]::text[]
          || array(select m ->> 'event_id' from jsonb_array_elements(coalesce(p.queued, '[]')) m)))`
  // offset 0: p is not merged into the outer query, whose events are read after p's lock and messages.
  return `select p.queued, p.live, ${events} as events
    from (select pg_advisory_xact_lock(hashtextextended(${sqlLiteral(lockKey)}, 0)) as locked, ${queued} as queued,
       array(select id from public.stripe_subscriptions where customer_id = ${customer} and status not in ('canceled', 'incomplete_expired')) as live
      offset 0) p`
}

const synced = (r: EventRow): SyncedEvent => ({
  id: r.id,
  type: r.type,
  created: new Date(r.created),
  customerId: r.customer_id,
  objectId: r.object_id,
  payload: r.payload,
})

/**
 * Begins the customer's transaction with the lock and peek (one round trip, transaction.ts) and runs
 * `body` in it with what the peek found (with the events' rows when `eventIds` is given: the group's
 * own): committed when `body` returns, rolled back when it throws.
 */
export function withLockAndPeek<T>(
  sql: postgres.Sql,
  lock: { key: string; queue: string | null; customerId: string; eventIds: string[] | null },
  body: (tx: postgres.Sql, peeked: Peeked) => Promise<T | Sent<T>>,
): Promise<T> {
  return transactionBegunWith<PeekRow, T>(
    sql,
    peekStatement(lock.key, lock.queue, lock.customerId, lock.eventIds),
    (tx, [row]) => body(tx, { queued: row.queued ?? [], live: row.live, events: (row.events ?? []).map(synced) }),
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
 * The end of a customer group: writes the fetched state (one SQL function that never overwrites newer
 * data with older, DESIGN rule 4), deletes the messages (its own and those it absorbed: they commit with
 * the work they stand for) and marks the events processed; a late event of a customer whose organization's
 * data was deleted keeps no payload (as the deletion left the earlier ones, migration 20261204100000).
 * Sent at once (not when awaited): a statement the caller sends next in the transaction (the hand-off's)
 * goes in the same round trip.
 */
export function applyAndFinish(
  tx: postgres.Sql,
  queue: string,
  customerId: string,
  fetchedAt: Date,
  state: FetchedState,
  finished: { msgIds: string[]; eventIds: string[] },
): Promise<unknown> {
  return statement(
    tx,
    `with gone as (delete from ${queueTable(queue)} where msg_id = any($6::bigint[])),
     erased as (
       select exists (select 1 from public.stripe_customers c join public.organizations o on o.id = c.organization_id
         where c.id = $1 and o.deleted_at is not null) as yes),
     done as (
       update billing.stripe_events
       set status = 'processed', processed_at = now(), attempts = attempts + 1, last_error = null,
         payload = case when (select yes from erased) then jsonb_build_object('id', id, 'type', type, 'redacted', true) else payload end
       where id = any($7::text[]))
     select billing.service_role_apply_customer_state($1, $2::text::jsonb, $3::text::jsonb, $4::text::jsonb, $5) as ok`,
    [
      customerId,
      storable(state.customer),
      storable(state.subscriptions),
      storable(state.invoices),
      fetchedAt,
      finished.msgIds,
      finished.eventIds,
    ],
  ).execute()
}

/** The queued messages a fetch that brought `coverage` covers. */
export function coveredBy(coverage: Coverage, queued: Queued[]): Queued[] {
  return queued.filter((r) => covers(coverage, r.type ?? '', r.object_id))
}
