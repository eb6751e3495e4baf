// Which due work one runner call takes. Each kind of timed work (payment reminders, trial reminders,
// data deletions) has its own pg_cron job that runs only that kind; the drain runs what events start
// (new runs, retries, abandoned leases) and any sleep or scheduled event no timed kind owns. Which
// scheduled events and workflow sleeps belong to a kind is kept in one place, billing.timed_work_kinds, so the
// cron jobs, this runner and the ops view agree.
import type postgres from 'postgres'
import { HttpError } from '../errors.ts'
import type { Workflow } from './define.ts'

/** The timed kinds, as billing.timed_work_kinds lists them (its pgTAP test checks they match). */
export const TIMED_WORK = ['payment-reminders', 'trial-reminders', 'data-deletions'] as const
export type TimedWork = (typeof TIMED_WORK)[number]

/** `all`: everything due (tests and the demo's clock); `immediate`: the drain's share; or one timed kind. */
export type WorkScope = 'all' | 'immediate' | TimedWork

export interface ScopeFilter {
  /** Names of scheduled events to deliver. */
  deliver: string[]
  /**
   * Which queued runs (and abandoned leases) to claim, by the event that started them: those of `only`
   * (all when absent) except those of `except`; null: none.
   */
  queued: { only?: string[]; except: string[] } | null
  /** Workflows whose sleeping runs to wake. */
  sleeping: string[]
}

interface KindRow {
  kind: string
  event_names: string[]
  sleeping_workflow_ids: string[]
}

/**
 * billing.timed_work_kinds changes with a migration, not at run time: read once a minute per isolate,
 * not on every drain (one statement fewer per invocation).
 */
const KINDS_TTL_MS = 60_000
let kindsRead: { rows: KindRow[]; at: number } | null = null

async function timedKinds(sql: postgres.Sql, fresh = false): Promise<KindRow[]> {
  if (!fresh && kindsRead && Date.now() - kindsRead.at < KINDS_TTL_MS) return kindsRead.rows
  const rows = await sql<KindRow[]>`select kind, event_names, sleeping_workflow_ids from billing.timed_work_kinds`
  kindsRead = { rows: [...rows], at: Date.now() }
  return kindsRead.rows
}

export async function scopeFilter(sql: postgres.Sql, workflows: Workflow[], work: WorkScope): Promise<ScopeFilter> {
  const triggers = [...new Set(workflows.flatMap((w) => w.triggers))]
  const ids = workflows.map((w) => w.id)
  if (work === 'all') return { deliver: triggers, queued: { except: [] }, sleeping: ids }
  const kinds = await timedKinds(sql)
  if (work === 'immediate') {
    const timedEvents = kinds.flatMap((k) => k.event_names)
    const timedSleeps = new Set(kinds.flatMap((k) => k.sleeping_workflow_ids))
    return { deliver: triggers.filter((t) => !timedEvents.includes(t)), queued: { except: timedEvents }, sleeping: ids.filter((id) => !timedSleeps.has(id)) }
  }
  // A kind this isolate has not seen yet may be newer than its last read.
  const kind = kinds.find((k) => k.kind === work) ?? (await timedKinds(sql, true)).find((k) => k.kind === work)
  if (!kind) throw new HttpError(400, 'invalid_request', `no timed work "${work}" in billing.timed_work_kinds`)
  return {
    deliver: triggers.filter((t) => kind.event_names.includes(t)),
    // The runs its delivered events start are its own; a kind without events only wakes sleeps.
    queued: kind.event_names.length > 0 ? { only: kind.event_names, except: [] } : null,
    sleeping: ids.filter((id) => kind.sleeping_workflow_ids.includes(id)),
  }
}
