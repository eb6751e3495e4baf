// The one interface between the sync and the workflows: after a group's Stripe state is written, the
// events it carried are handed over inside the same transaction, oldest first. What a workflow starts is
// therefore committed together with the state it will read, and never without it.
import type postgres from 'postgres'
import type { StripeEventEnvelope, ThinStripeEventEnvelope } from '../webhook/envelope.ts'

export interface SyncedEvent {
  id: string
  type: string
  created: Date
  customerId: string | null
  objectId: string | null
  /**
   * The event as Stripe sent it: for routing and for facts a workflow must keep as they were. A thin
   * event, or a payload redacted by a GDPR deletion, has no `data`.
   */
  payload: StripeEventEnvelope | ThinStripeEventEnvelope
}

/**
 * `tx`: a connection in the sync's transaction. Its statements must be sent (`.execute()`) before its
 * first `await`: the sync's COMMIT follows them without waiting for their answers (sync/transaction.ts).
 */
export type SyncedEventsHandler = (tx: postgres.Sql | postgres.TransactionSql, events: SyncedEvent[]) => Promise<void>

export async function loadEvents(tx: postgres.TransactionSql, eventIds: string[]): Promise<SyncedEvent[]> {
  if (eventIds.length === 0) return []
  const rows = await tx<{ id: string; type: string; created: Date; customer_id: string | null; object_id: string | null; payload: SyncedEvent['payload'] }[]>`
    select id, type, created, customer_id, object_id, payload from billing.stripe_events
    where id = any(${eventIds}) order by created, received_at`
  return rows.map((r) => ({ id: r.id, type: r.type, created: r.created, customerId: r.customer_id, objectId: r.object_id, payload: r.payload }))
}
