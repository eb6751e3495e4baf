// Delivering an event to the workflows: first cancel what it cancels (pending runs and scheduled
// events under the cancel key), then start a run of every workflow it triggers, at most one per
// (workflow, trigger key). An event that lacks the ids a workflow's key needs starts no run: it leaves
// a failed run, keyed by the event, that says why (ops.workflow_failures), instead of a run under a
// made-up key that fails on every attempt.
import type postgres from 'postgres'
import type { Workflow, WorkflowEvent } from './define.ts'

export interface DispatchResult {
  started: { workflowId: string; runId: string }[]
  /** Runs that could not start, with the reason recorded on their failed row. */
  unstartable: { workflowId: string; reason: string }[]
  cancelledRuns: number
  cancelledEvents: number
}

export async function dispatch(sql: postgres.Sql | postgres.TransactionSql, workflows: Workflow[], event: WorkflowEvent): Promise<DispatchResult> {
  const result: DispatchResult = { started: [], unstartable: [], cancelledRuns: 0, cancelledEvents: 0 }
  for (const w of workflows) {
    for (const c of w.cancelOn ?? []) {
      if (c.event !== event.name) continue
      const key = c.key(event)
      if (!key) continue
      const runs = await sql`
        update billing.workflow_runs
        set status = 'cancelled', lease_until = null, updated_at = now(), last_error = ${`cancelled by ${event.name} ${event.id}`}
        where workflow_id = ${w.id} and cancel_key = ${key} and status in ('queued', 'sleeping')
        returning id`
      const events = await sql`
        update billing.workflow_events set cancelled_at = now()
        where delivered_at is null and cancelled_at is null and name = any(${w.triggers}) and cancel_keys @> array[${key}]::text[]
        returning id`
      result.cancelledRuns += runs.length
      result.cancelledEvents += events.length
    }
  }
  for (const w of workflows) {
    if (!w.triggers.includes(event.name) || (w.when && !w.when(event))) continue
    const key = keysOf(w, event)
    if ('reason' in key) {
      await recordUnstartable(sql, w, event, key.reason)
      result.unstartable.push({ workflowId: w.id, reason: key.reason })
      continue
    }
    const [row] = await sql<{ id: string }[]>`
      insert into billing.workflow_runs (workflow_id, trigger_key, event_name, event, max_attempts, cancel_key)
      values (${w.id}, ${key.trigger}, ${event.name}, ${sql.json(event as never)}, ${w.retries ?? 4}, ${key.cancel})
      on conflict (workflow_id, trigger_key) do nothing
      returning id`
    if (row) result.started.push({ workflowId: w.id, runId: row.id })
  }
  return result
}

/** The run's trigger and cancel keys, or why the event cannot give them. */
function keysOf(w: Workflow, event: WorkflowEvent): { trigger: string; cancel: string | null } | { reason: string } {
  try {
    const trigger = w.key ? w.key(event) : event.id
    if (!trigger) return { reason: `not started: ${event.name} ${event.id} lacks a valid id for the run's key (data.object: ${describe(event.data.object)})` }
    return { trigger, cancel: w.cancelKey?.(event) ?? null }
  } catch (err) {
    return { reason: `not started: the run's key could not be read from ${event.name} ${event.id}: ${err instanceof Error ? err.message : String(err)}` }
  }
}

function describe(object: unknown): string {
  if (!object || typeof object !== 'object') return String(object)
  const o = object as { object?: unknown; id?: unknown }
  return `object=${JSON.stringify(o.object ?? null)}, id=${JSON.stringify(o.id ?? null)}`.slice(0, 300)
}

/** A failed run keyed by the event itself, so a redelivery does not add a second one. */
async function recordUnstartable(sql: postgres.Sql | postgres.TransactionSql, w: Workflow, event: WorkflowEvent, reason: string) {
  console.error(`workflows: ${w.id} ${reason}`)
  await sql`
    insert into billing.workflow_runs (workflow_id, trigger_key, event_name, event, status, max_attempts, failed_step, last_error)
    values (${w.id}, ${`unstartable:${event.id}`}, ${event.name}, ${sql.json(event as never)}, 'failed', 1, 'start', ${reason})
    on conflict (workflow_id, trigger_key) do nothing`
}
