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
  const cancels: { workflowId: string; key: string; triggers: string[] }[] = []
  for (const w of workflows) {
    for (const c of w.cancelOn ?? []) {
      if (c.event !== event.name) continue
      const key = c.key(event)
      if (key) cancels.push({ workflowId: w.id, key, triggers: w.triggers })
    }
  }
  const starts: { workflowId: string; trigger: string; cancel: string | null; maxAttempts: number }[] = []
  for (const w of workflows) {
    if (!w.triggers.includes(event.name) || (w.when && !w.when(event))) continue
    const key = keysOf(w, event)
    if ('reason' in key) {
      await recordUnstartable(sql, w, event, key.reason)
      result.unstartable.push({ workflowId: w.id, reason: key.reason })
      continue
    }
    starts.push({ workflowId: w.id, trigger: key.trigger, cancel: key.cancel, maxAttempts: w.retries ?? 4 })
  }
  if (cancels.length === 0 && starts.length === 0) return result
  // One statement for the whole event (it runs in the sync's transaction, once per synced event). Its
  // parts see the same snapshot, as the one-by-one statements did: the cancels touch only runs and
  // events that existed before this event, and a start never cancels what it starts.
  const reason = `cancelled by ${event.name} ${event.id}`
  const parts = cancels.flatMap((c, i) => [
    sql`${sql(`runs${i}`)} as (
      update billing.workflow_runs set status = 'cancelled', lease_until = null, updated_at = now(), last_error = ${reason}
      where workflow_id = ${c.workflowId} and cancel_key = ${c.key} and status in ('queued', 'sleeping')
      returning id)`,
    sql`${sql(`events${i}`)} as (
      update billing.workflow_events set cancelled_at = now()
      where delivered_at is null and cancelled_at is null and name = any(${c.triggers}) and cancel_keys @> array[${c.key}]::text[]
      returning id)`,
  ])
  parts.push(sql`started as (
    insert into billing.workflow_runs (workflow_id, trigger_key, event_name, event, max_attempts, cancel_key)
    select s.workflow_id, s.trigger_key, ${event.name}, ${sql.json(event as never)}, s.max_attempts, s.cancel_key
    from unnest(${starts.map((s) => s.workflowId)}::text[], ${starts.map((s) => s.trigger)}::text[], ${starts.map((s) => s.maxAttempts)}::int[],
      ${starts.map((s) => s.cancel)}::text[]) as s(workflow_id, trigger_key, max_attempts, cancel_key)
    on conflict (workflow_id, trigger_key) do nothing
    returning id, workflow_id)`)
  const count = (name: string) => sql`(select count(*) from ${sql(name)})`
  const sum = (names: string[]) => names.length === 0 ? sql`0` : names.map(count).reduce((a, b) => sql`${a} + ${b}`)
  const [row] = await sql<{ runs: number; events: number; started: { id: string; workflow_id: string }[] }[]>`
    with ${parts.reduce((a, b) => sql`${a}, ${b}`)}
    select (${sum(cancels.map((_, i) => `runs${i}`))})::int as runs, (${sum(cancels.map((_, i) => `events${i}`))})::int as events,
      coalesce((select jsonb_agg(jsonb_build_object('id', id, 'workflow_id', workflow_id)) from started), '[]') as started`
  result.cancelledRuns = row.runs
  result.cancelledEvents = row.events
  for (const s of starts) {
    const run = row.started.find((r) => r.workflow_id === s.workflowId)
    if (run) result.started.push({ workflowId: s.workflowId, runId: run.id })
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
