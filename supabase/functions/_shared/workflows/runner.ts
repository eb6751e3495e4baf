// Runs due workflow work: delivers scheduled internal events, then claims runnable runs (queued, woken
// from a sleep, or abandoned by a worker that died) and executes them. `asOf` lets a test or the demo
// run the work that would be due at a later time, so a 3-day sleep is proven without waiting; without it,
// work runs as of the product's clock (clock.ts). `work` narrows a call to the drain's share or to one
// kind of timed work (scope.ts), for the named cron jobs.
import type postgres from 'postgres'
import { dueBound, productNowInStep } from '../clock.ts'
import { NonRetriableError } from '../errors.ts'
import type { Workflow, WorkflowEvent } from './define.ts'
import { dispatch } from './dispatch.ts'
import { type ScopeFilter, scopeFilter, type WorkScope } from './scope.ts'
import { createStep, SleepInterrupt, type StepState } from './step.ts'
import { statement } from '../one-trip.ts'

export interface RunnerOptions {
  asOf?: Date
  limit?: number
  budgetMs?: number
  leaseSeconds?: number
  /** Which due work to run (default: all of it). */
  work?: WorkScope
  /** The invocation's CPU and wall budget (sync/budget.ts): stop taking work once it is spent. */
  budget?: { spent(): 'cpu' | 'budget' | null }
}

export interface RunnerReport {
  delivered: number
  completed: string[]
  sleeping: { runId: string; until: string }[]
  retried: { runId: string; step?: string; error: string }[]
  failed: { runId: string; step?: string; error: string }[]
  /** `cpu` / `budget`: stopped with work possibly left, for the next invocation. */
  stoppedBy: 'done' | 'budget' | 'cpu'
  /**
   * Whether the email outbox had an email due (or a lapsed lease) at the last claim, when nothing ran after
   * that claim (the runs queue emails); absent otherwise. stripe-sync skips delivery when it is false.
   */
  emailsDue?: boolean
}

interface RunRow {
  id: string
  workflow_id: string
  event: WorkflowEvent
  attempts: number
  max_attempts: number
  /** Its status before this claim, to give it back untouched when the budget runs out first. */
  prev_status: string
  /** The results of the steps it has finished (step id -> result), read with the claim. */
  steps: Record<string, unknown>
}

/** Backoff between attempts of a failed run: 10 s, 20 s, 40 s, ... with jitter, at most an hour. */
function retryDelayMs(attempt: number): number {
  return Math.min(3_600_000, 10_000 * 2 ** Math.max(0, attempt - 1)) * (0.8 + Math.random() * 0.4)
}

async function deliverDueEvents(sql: postgres.Sql, workflows: Workflow[], names: string[], asOf: Date, limit: number): Promise<number> {
  return await sql.begin(async (tx) => {
    const due = await tx<{ id: string; name: string; key: string; data: Record<string, unknown>; deliver_at: Date }[]>`
      select id, name, key, data, deliver_at from billing.workflow_events
      where delivered_at is null and cancelled_at is null and deliver_at <= ${asOf}
        and name = any(${names}::text[])
      order by deliver_at limit ${limit} for update skip locked`
    for (const e of due) {
      await dispatch(tx, workflows, { name: e.name, id: e.key, data: e.data, ts: e.deliver_at.getTime() })
      await tx`update billing.workflow_events set delivered_at = now() where id = ${e.id}`
    }
    return due.length
  })
}

/**
 * Claims runnable runs of the workflows in scope (another deploy's workflows wait for theirs), each with
 * the results of its finished steps: one statement for the batch instead of one more per run. It also
 * says whether scheduled events in scope are due, so that a call with nothing due (most drains) is this
 * one statement, not a transaction to find no events besides; and whether an email is due in the outbox
 * (email/delivery.ts's claim, as of the same time), so that the drain's delivery costs no statement of
 * its own when none is.
 */
async function claimRuns(
  sql: postgres.Sql,
  workflowIds: string[],
  scope: ScopeFilter,
  asOf: Date,
  limit: number,
  leaseSeconds: number,
): Promise<{ runs: RunRow[]; eventsDue: boolean; emailsDue: boolean }> {
  const claimQueued = scope.queued !== null
  const only = scope.queued?.only ?? null
  const except = scope.queued?.except ?? []
  const [row] = await sql<{ runs: RunRow[]; events_due: boolean; emails_due: boolean }[]>`
    with claimed as (
      select id, status as prev_status from billing.workflow_runs
      -- The status list is the due index's predicate: stated, the claim reads that index in wake_at order
      -- and stops at the limit, marking dead entries (finished runs) as it passes. Without it, the OR below
      -- made a bitmap scan that re-read every run finished since the last vacuum on each claim (2.5 ms
      -- at ~1,300 finished runs, 0.07 ms now).
      where status in ('queued', 'sleeping', 'running') and workflow_id = any(${workflowIds})
        and ((status = 'sleeping' and wake_at <= ${asOf} and workflow_id = any(${scope.sleeping}::text[]))
          or (${claimQueued} and (${only === null} or event_name = any(${only ?? []}::text[])) and event_name <> all(${except}::text[])
            and ((status = 'queued' and wake_at <= ${asOf}) or (status = 'running' and lease_until < now()))))
      order by wake_at limit ${limit} for update skip locked),
    runs as (
      update billing.workflow_runs r set status = 'running', lease_until = now() + make_interval(secs => ${leaseSeconds}), updated_at = now()
      from claimed c where r.id = c.id
      returning r.id, r.workflow_id, r.event, r.attempts, r.max_attempts, c.prev_status,
        (select coalesce(jsonb_object_agg(s.step_id, s.result), '{}') from billing.workflow_steps s where s.run_id = r.id) as steps)
    -- json, not jsonb: the runs' events go to the client as they are, not taken apart and printed again (sync/absorb.ts).
    select coalesce((select json_agg(runs) from runs), '[]') as runs,
      exists (select 1 from billing.workflow_events where delivered_at is null and cancelled_at is null and deliver_at <= ${asOf}
        and name = any(${scope.deliver}::text[])) as events_due,
      exists (select 1 from billing.email_outbox where (status = 'pending' and next_attempt_at <= ${asOf})
        or (status = 'sending' and lease_until < now())) as emails_due`
  return { runs: row.runs, eventsDue: row.events_due, emailsDue: row.emails_due }
}

/** Gives claimed runs back as they were (an abandoned lease becomes queued): the budget ran out first. */
async function release(sql: postgres.Sql, runs: RunRow[]): Promise<void> {
  for (const run of runs) {
    await sql`update billing.workflow_runs set status = ${run.prev_status === 'sleeping' ? 'sleeping' : 'queued'}, lease_until = null, updated_at = now()
      where id = ${run.id} and status = 'running'`
  }
}

async function execute(sql: postgres.Sql, workflows: Workflow[], run: RunRow, now: () => Date, report: RunnerReport): Promise<void> {
  const workflow = workflows.find((w) => w.id === run.workflow_id)
  const state: StepState = { runId: run.id, memo: new Map(Object.entries(run.steps)) }
  try {
    if (!workflow) throw new NonRetriableError(`no workflow ${run.workflow_id} is defined`)
    const step = createStep(sql, state, now, workflows)
    const result = await workflow.handler({ event: run.event, step, run: { id: run.id, attempt: run.attempts + 1, workflowId: run.workflow_id }, sql, now })
    await statement(
      sql,
      `update billing.workflow_runs set status = 'completed', result = $1::text::jsonb, lease_until = null,
        sleeping_step = null, completed_at = now(), updated_at = now() where id = $2 and status = 'running'`,
      [JSON.stringify(result ?? null), run.id],
    )
    report.completed.push(run.id)
  } catch (err) {
    if (err instanceof SleepInterrupt) {
      await sql`update billing.workflow_runs set status = 'sleeping', wake_at = ${err.until}, sleeping_step = ${err.stepId},
        lease_until = null, updated_at = now() where id = ${run.id} and status = 'running'`
      report.sleeping.push({ runId: run.id, until: err.until.toISOString() })
      return
    }
    const attempts = run.attempts + 1
    const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err)
    const final = err instanceof NonRetriableError || attempts >= run.max_attempts
    const wake = new Date(now().getTime() + retryDelayMs(attempts))
    await sql`update billing.workflow_runs set status = ${final ? 'failed' : 'queued'}, attempts = ${attempts}, last_error = ${error.slice(0, 2000)},
      failed_step = ${state.current ?? null}, wake_at = ${wake}, lease_until = null, updated_at = now()
      where id = ${run.id} and status = 'running'`
    ;(final ? report.failed : report.retried).push({ runId: run.id, step: state.current, error })
    console.error(`workflows: run ${run.id} (${run.workflow_id}) ${final ? 'failed' : 'will retry'} in step ${state.current ?? '-'}: ${error}`)
  }
}

export async function runDue(sql: postgres.Sql, workflows: Workflow[], opts: RunnerOptions = {}): Promise<RunnerReport> {
  const started = Date.now()
  const limit = opts.limit ?? 20
  const report: RunnerReport = { delivered: 0, completed: [], sleeping: [], retried: [], failed: [], stoppedBy: 'done' }
  const scope = await scopeFilter(sql, workflows, opts.work ?? 'all')
  // The clock moves on from `asOf` (default: the product's clock as a due bound, clock.ts) as real time
  // passes during this call.
  const base = (opts.asOf ?? dueBound(await productNowInStep(sql))).getTime()
  const now = () => new Date(base + (Date.now() - started))
  const spent = () => {
    const s = opts.budget?.spent() ?? (Date.now() - started > (opts.budgetMs ?? 30_000) ? 'budget' : null)
    if (s) report.stoppedBy = s
    return s !== null
  }
  while (!spent()) {
    const { runs, eventsDue, emailsDue } = await claimRuns(sql, workflows.map((w) => w.id), scope, now(), limit, opts.leaseSeconds ?? 300)
    // Known only while nothing has run since this claim (a run may queue an email).
    report.emailsDue = runs.length === 0 && !eventsDue ? emailsDue : undefined
    for (const [i, run] of runs.entries()) {
      if (spent()) {
        await release(sql, runs.slice(i))
        break
      }
      await execute(sql, workflows, run, now, report)
    }
    // The runs the delivered events start are claimed by the next round.
    const delivered = eventsDue && !spent() ? await deliverDueEvents(sql, workflows, scope.deliver, now(), limit) : 0
    report.delivered += delivered
    if (delivered === 0 && runs.length === 0) break
  }
  return report
}
