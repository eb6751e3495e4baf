// Stripe events enter the workflows through the sync's hand-off (sync/handoff.ts): each synced event
// becomes a workflow event named by its Stripe type, keyed by its event id, carrying the object and
// `previous_attributes` exactly as Stripe sent them. This adapter is the pipeline's, so neither sync/ nor
// workflows/ imports the other.
import type postgres from 'postgres'
import type { SyncedEvent, SyncedEventsHandler } from '../sync/handoff.ts'
import type { Workflow, WorkflowEvent } from '../workflows/define.ts'
import { dispatchAll } from '../workflows/dispatch.ts'

function asObject(value: unknown): Record<string, unknown> | null {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null
}

export function toWorkflowEvent(e: SyncedEvent): WorkflowEvent {
  // Thin events and payloads redacted by a GDPR deletion carry no snapshot.
  const data = (e.payload as { data?: { object?: unknown; previous_attributes?: unknown } }).data
  return {
    name: e.type,
    id: e.id,
    // The inbox does not validate previous_attributes (Stripe sends null too): only an object is one.
    data: { object: asObject(data?.object) ?? {}, previous_attributes: asObject(data?.previous_attributes), customerId: e.customerId },
    ts: e.created.getTime(),
  }
}

/**
 * The hand-off handler: dispatch the synced events to the workflows, oldest first, in the sync's
 * transaction: one statement for all of them (none when no workflow starts or cancels on any).
 */
export function dispatchSyncedEvents(workflows: Workflow[]): SyncedEventsHandler {
  return async (tx: postgres.Sql | postgres.TransactionSql, events: SyncedEvent[]) => {
    if (events.length > 0) await dispatchAll(tx, workflows, events.map(toWorkflowEvent))
  }
}
