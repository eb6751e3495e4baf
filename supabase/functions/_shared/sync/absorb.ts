// Coalescing across batches: a customer's other visible messages, queued before the fetch began, are
// finished in the sync's transaction instead of causing another fetch, when the fetch covers what they
// need (needs.ts). So that it does, the sync first peeks at them and widens its fetch to their needs.
// Locked rows (another worker has them) are skipped, and so are seat changes: one queued after this group
// read its seat count still has a count to bring to Stripe. Each step shares its round trip with another.
import type postgres from 'postgres'
import { jsonbSafe } from '../jsonb.ts'
import { storableAsIs } from '../webhook/fast-envelope.ts'
import { type Coverage, covers } from './needs.ts'
import { SEATS_MESSAGE } from './seats.ts'

export function queueTable(queue: string): string {
  if (!/^[a-z0-9_]+$/.test(queue)) throw new Error(`invalid queue name ${queue}`)
  return `pgmq.q_${queue}`
}

export interface Peeked {
  /** Type and object of the customer's other visible messages: a hint for the fetch only. */
  queued: { type: string; object_id: string | null }[]
  /** The subscriptions the mirror has live for the customer. */
  live: string[]
}

/**
 * Takes the customer's transaction advisory lock (one writer per customer, DESIGN rule 2) and, in the same
 * round trip, reads what the fetch must cover: its other visible messages on `queue` (none when null) and
 * its live subscriptions in the mirror.
 */
export async function lockAndPeek(tx: postgres.TransactionSql, lockKey: string, queue: string | null, customerId: string): Promise<Peeked> {
  const queued = queue === null ? `null::jsonb` : `(select jsonb_agg(jsonb_build_object('type', message ->> 'type', 'object_id', message ->> 'object_id'))
        from ${queueTable(queue)} where message ->> 'customer_id' = $2 and vt <= now() and message ->> 'type' is distinct from $3)`
  const [row] = await tx.unsafe<{ queued: Peeked['queued'] | null; live: string[] }[]>(
    `select pg_advisory_xact_lock(hashtextextended($1, 0)) as locked, ${queued} as queued,
       array(select id from public.stripe_subscriptions where customer_id = $2 and status not in ('canceled', 'incomplete_expired')) as live`,
    queue === null ? [lockKey, customerId] : [lockKey, customerId, SEATS_MESSAGE],
  )
  return { queued: (row.queued ?? []).map((m) => ({ type: m.type ?? '', object_id: m.object_id })), live: row.live }
}

export interface Queued {
  msg_id: string
  event_id: string | null
  type: string | null
  object_id: string | null
}

export interface FetchedState {
  customer: object | null
  subscriptions: unknown[]
  invoices: unknown[]
}

/**
 * Writes the fetched state (one SQL function that never overwrites newer data with older, DESIGN rule 4)
 * and, in the same round trip, locks the customer's visible messages queued before `fetchedAt` (none when
 * `queue` is null), for absorbing.
 */
export async function applyAndLockQueued(
  tx: postgres.TransactionSql,
  queue: string | null,
  customerId: string,
  fetchedAt: Date,
  state: FetchedState,
): Promise<Queued[]> {
  const candidates = queue === null
    ? `select null::text as msg_id, null::text as event_id, null::text as type, null::text as object_id where false`
    : `select msg_id::text, message ->> 'event_id' as event_id, message ->> 'type' as type, message ->> 'object_id' as object_id
       from ${queueTable(queue)}
       where message ->> 'customer_id' = $1 and enqueued_at <= $5 and vt <= now() and message ->> 'type' is distinct from $6
       for update skip locked`
  const json = (v: unknown) => {
    if (v === null) return null
    // Usually storable as it is: then jsonbSafe's copy (and its garbage) would change nothing.
    const text = JSON.stringify(v)
    return storableAsIs(text) ? text : JSON.stringify(jsonbSafe(v))
  }
  const [row] = await tx.unsafe<{ queued: Queued[] | null }[]>(
    `with candidates as (${candidates})
     select billing.service_role_apply_customer_state($1, $2::text::jsonb, $3::text::jsonb, $4::text::jsonb, $5) as applied,
       (select jsonb_agg(to_jsonb(c)) from candidates c) as queued`,
    [customerId, json(state.customer), json(state.subscriptions), json(state.invoices), fetchedAt, ...(queue === null ? [] : [SEATS_MESSAGE])],
  )
  return row.queued ?? []
}

/** The queued messages a fetch that brought `coverage` covers. */
export function coveredBy(coverage: Coverage, queued: Queued[]): Queued[] {
  return queued.filter((r) => covers(coverage, r.type ?? '', r.object_id))
}
