// Delivering an event to the workflows: first cancel what it cancels (pending runs and scheduled
// events under the cancel key), then start a run of every workflow it triggers, at most one per
// (workflow, trigger key).
import type postgres from 'postgres'
import type { Workflow, WorkflowEvent } from './define.ts'

export interface DispatchResult {
  started: { workflowId: string; runId: string }[]
  cancelledRuns: number
  cancelledEvents: number
}

export async function dispatch(sql: postgres.Sql | postgres.TransactionSql, workflows: Workflow[], event: WorkflowEvent): Promise<DispatchResult> {
  const result: DispatchResult = { started: [], cancelledRuns: 0, cancelledEvents: 0 }
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
    const [row] = await sql<{ id: string }[]>`
      insert into billing.workflow_runs (workflow_id, trigger_key, event_name, event, max_attempts, cancel_key)
      values (${w.id}, ${w.key?.(event) ?? event.id}, ${event.name}, ${sql.json(event as never)}, ${w.retries ?? 4}, ${w.cancelKey?.(event) ?? null})
      on conflict (workflow_id, trigger_key) do nothing
      returning id`
    if (row) result.started.push({ workflowId: w.id, runId: row.id })
  }
  return result
}
