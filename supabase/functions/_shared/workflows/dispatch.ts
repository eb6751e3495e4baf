// Delivering events to the workflows: each event first cancels what it cancels (pending runs and
// scheduled events under the cancel key), then starts a run of every workflow it triggers, at most one
// per (workflow, trigger key). An event that lacks the ids a workflow's key needs starts no run: it
// leaves a failed run, keyed by the event, that says why (ops.workflow_failures), instead of a run under
// a made-up key that fails on every attempt.
import type postgres from 'postgres'
import { statement } from '../one-trip.ts'
import type { Workflow, WorkflowEvent } from './define.ts'

export interface DispatchResult {
  started: { workflowId: string; runId: string }[]
  /** Runs that could not start, with the reason recorded on their failed row. */
  unstartable: { workflowId: string; reason: string }[]
  cancelledRuns: number
  cancelledEvents: number
}

/** A run row to insert: queued, cancelled by a later event of the same delivery, or failed (unstartable). */
interface Row {
  workflowId: string
  trigger: string
  cancel: string | null
  maxAttempts: number
  status: 'queued' | 'cancelled' | 'failed'
  error: string | null
  event: number
}

/** Delivers one event (see dispatchAll). */
export function dispatch(sql: postgres.Sql | postgres.TransactionSql, workflows: Workflow[], event: WorkflowEvent): Promise<DispatchResult> {
  return dispatchAll(sql, workflows, [event])
}

/**
 * Delivers `events` in order, in one statement whatever their number (the sync hands over a customer's
 * events at once, in its transaction), with the effects of one delivery after another: an event cancels
 * the runs that events before it started (their rows are written cancelled, with its reason), and a run
 * an earlier event started is not started again. The cancels see the runs and scheduled events that
 * existed before, as the one-by-one statements did; no event schedules anything here.
 */
export async function dispatchAll(sql: postgres.Sql | postgres.TransactionSql, workflows: Workflow[], events: WorkflowEvent[]): Promise<DispatchResult> {
  const result: DispatchResult = { started: [], unstartable: [], cancelledRuns: 0, cancelledEvents: 0 }
  const cancels = new Map<string, Cancel>()
  const rows = new Map<string, Row>()
  events.forEach((event, i) => {
    const reason = `cancelled by ${event.name} ${event.id}`
    for (const w of workflows) {
      for (const c of w.cancelOn ?? []) {
        if (c.event !== event.name) continue
        const key = c.key(event)
        if (!key) continue
        for (const r of rows.values()) {
          if (r.workflowId === w.id && r.cancel === key && r.status === 'queued') Object.assign(r, { status: 'cancelled', error: reason })
        }
        // The first event to cancel a key gives its reason: after it, nothing under that key is pending.
        const id = `${w.id}\u0000${key}`
        if (!cancels.has(id)) cancels.set(id, { workflowId: w.id, key, triggers: w.triggers, reason })
      }
    }
    for (const w of workflows) {
      if (!w.triggers.includes(event.name) || (w.when && !w.when(event))) continue
      const key = keysOf(w, event)
      const row: Row = 'reason' in key
        ? { workflowId: w.id, trigger: `unstartable:${event.id}`, cancel: null, maxAttempts: 1, status: 'failed', error: key.reason, event: i }
        : { workflowId: w.id, trigger: key.trigger, cancel: key.cancel, maxAttempts: w.retries ?? 4, status: 'queued', error: null, event: i }
      if ('reason' in key) {
        console.error(`workflows: ${w.id} ${key.reason}`)
        result.unstartable.push({ workflowId: w.id, reason: key.reason })
      }
      // A second start under the same key would meet the first's row: nothing to insert.
      const id = `${w.id}\u0000${row.trigger}`
      if (!rows.has(id)) rows.set(id, row)
    }
  })
  if (cancels.size === 0 && rows.size === 0) return result
  // Sent now (execute), not at the await: the sync's COMMIT follows it in the same round trip (sync/transaction.ts's Sent).
  const [row] = await statement<{ runs: number; events: number; started: { id: string; workflow_id: string; trigger_key: string; status: string }[] }[]>(
    sql,
    cancels.size === 0 ? `with ${START}\nselect 0 as runs, 0 as events, ${STARTED}` : `with ${CANCEL}, ${START}\nselect ${COUNTS}, ${STARTED}`,
    params(events, [...cancels.values()], [...rows.values()]),
  ).execute()
  // In the order the events and workflows gave them (a row that met an existing one is not returned).
  const inserted = new Map(row.started.map((s) => [`${s.workflow_id}\u0000${s.trigger_key}`, s]))
  for (const [id, r] of rows) {
    const s = inserted.get(id)
    if (s?.status === 'queued') result.started.push({ workflowId: r.workflowId, runId: s.id })
  }
  result.cancelledRuns = row.runs + row.started.filter((s) => s.status === 'cancelled').length
  result.cancelledEvents = row.events
  return result
}

// The statement's parts: $1 the events (a JSON array), $2-$8 the runs to insert, $9-$11 the cancels of
// runs, $12-$13 the scheduled events' (name, cancel key) pairs.
const START = `given as materialized (select $1::text::jsonb as events),
  started as (
    insert into billing.workflow_runs (workflow_id, trigger_key, event_name, event, status, max_attempts, cancel_key, failed_step, last_error)
    select s.workflow_id, s.trigger_key, g.events -> s.event_index ->> 'name', g.events -> s.event_index, s.status, s.max_attempts,
      s.cancel_key, case when s.status = 'failed' then 'start' end, s.last_error
    from unnest($2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::text[], $8::int[]) with ordinality
        as s(workflow_id, trigger_key, status, max_attempts, cancel_key, last_error, event_index, ord)
      cross join given g
    order by s.ord
    on conflict (workflow_id, trigger_key) do nothing
    returning id, workflow_id, trigger_key, status)`
const CANCEL = `runs as (
    update billing.workflow_runs r set status = 'cancelled', lease_until = null, updated_at = now(), last_error = c.reason
    from unnest($9::text[], $10::text[], $11::text[]) as c(workflow_id, cancel_key, reason)
    where r.workflow_id = c.workflow_id and r.cancel_key = c.cancel_key and r.status in ('queued', 'sleeping')
    returning r.id),
  events as (
    update billing.workflow_events e set cancelled_at = now()
    where e.delivered_at is null and e.cancelled_at is null and e.cancel_keys && $13::text[]
      and exists (select 1 from unnest($12::text[], $13::text[]) as c(name, key) where e.name = c.name and e.cancel_keys @> array[c.key])
    returning e.id)`
const COUNTS = `(select count(*) from runs)::int as runs, (select count(*) from events)::int as events`
const STARTED =
  `coalesce((select jsonb_agg(jsonb_build_object('id', id, 'workflow_id', workflow_id, 'trigger_key', trigger_key, 'status', status)) from started), '[]') as started`

type Cancel = { workflowId: string; key: string; triggers: string[]; reason: string }

function params(events: WorkflowEvent[], cancels: Cancel[], rows: Row[]): (string | (string | number | null)[])[] {
  // Only the events that insert a row go to Postgres, each once.
  const used = [...new Set(rows.map((r) => r.event))]
  const index = new Map(used.map((e, i) => [e, i]))
  const pairs = cancels.flatMap((c) => c.triggers.map((name) => [name, c.key]))
  const starts = [
    rows.map((r) => r.workflowId),
    rows.map((r) => r.trigger),
    rows.map((r) => r.status),
    rows.map((r) => r.maxAttempts),
    rows.map((r) => r.cancel),
    rows.map((r) => r.error),
    rows.map((r) => index.get(r.event)!),
  ]
  const given = JSON.stringify(used.map((e) => events[e]))
  if (cancels.length === 0) return [given, ...starts]
  const runs = [cancels.map((c) => c.workflowId), cancels.map((c) => c.key), cancels.map((c) => c.reason)]
  return [given, ...starts, ...runs, pairs.map((p) => p[0]), pairs.map((p) => p[1])]
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
