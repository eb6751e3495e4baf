// The stripe-sync endpoint's logic: drain the queue into the mirror (sync/), then run the workflow work
// that is due (workflows/), then deliver due emails. It lives here, apart from both, so the sync and the
// workflows never import each other. Only the service-role key may call it (pg_cron through pg_net, the
// webhook's kick, admin tools). It answers with a JSON report of what it did, including what the
// invocation spent (CPU, wall, peak heap). Past its CPU or wall budget it stops taking work and kicks a
// fresh invocation to carry on, so no invocation nears the edge runtime's limits whatever the backlog.
import type postgres from 'postgres'
import { isServiceRole } from '../auth.ts'
import { HttpError, methodNotAllowed } from '../errors.ts'
import { errorResponse, json } from '../http.ts'
import type { StripeContext } from '../stripe/context.ts'
import type { Workflow } from '../workflows/define.ts'
import { runDue } from '../workflows/runner.ts'
import { TIMED_WORK, type TimedWork } from '../workflows/scope.ts'
import { Budget, syncLimits } from '../sync/budget.ts'
import { reconcile } from '../sync/reconcile.ts'
import { SyncRequest } from '../sync/request.ts'
import { QUEUE } from '../sync/queue.ts'
import { watchReturned } from '../sync/watch.ts'
import type { GroupSyncer } from '../sync/worker.ts'
import { runWorker } from '../sync/worker.ts'

export interface SyncDeps {
  sql: postgres.Sql
  stripe: () => StripeContext
  syncer: (opts: { coalesce: boolean }) => GroupSyncer
  workflows: Workflow[]
  /** Sends due emails from the outbox (after the workflows queued them). */
  deliverEmails?: (
    sql: postgres.Sql,
    opts: { now?: Date; limit?: number; budget?: Budget; budgetMs?: number; noneDue?: boolean },
  ) => Promise<{ stoppedBy: string }>
  /** The queue to drain (default stripe_events; tests use their own). */
  queue?: string
  /** Starts another stripe-sync invocation with this body (webhook/kick.ts), to carry on past the budget. */
  kick?: (request: Record<string, unknown>) => void
  /** Keeps a task running after the answer (EdgeRuntime.waitUntil on Supabase's edge runtime). */
  background?: (task: Promise<unknown>) => void
  /** How often a watch looks for returned messages (default 5000 ms). */
  watchEveryMs?: number
}

/**
 * A drain sends due emails for at most this long, then leaves the rest to the fresh invocation it kicks:
 * the webhook keeps few drains in flight (webhook/kick.ts), and one sending a backlog of emails for half a
 * minute would leave the events that arrive meanwhile unsynced.
 */
export const DRAIN_EMAIL_SLICE_MS = 2_000

async function parse(req: Request): Promise<SyncRequest> {
  const text = await req.text()
  let body: unknown = {}
  if (text.trim()) {
    try {
      body = JSON.parse(text)
    } catch (err) {
      throw new HttpError(400, 'bad_json', 'body must be JSON', { cause: err })
    }
  }
  const parsed = SyncRequest.safeParse(body)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new HttpError(400, 'invalid_request', `invalid request: ${issue?.path.join('.') || 'body'} ${issue?.message}`)
  }
  if (parsed.data.work && !(TIMED_WORK as readonly string[]).includes(parsed.data.work)) {
    throw new HttpError(400, 'invalid_request', `invalid request: work must be one of ${TIMED_WORK.join(', ')}`)
  }
  return parsed.data
}

export async function handleSyncRequest(req: Request, deps: SyncDeps): Promise<Response> {
  const started = Date.now()
  try {
    if (req.method !== 'POST') throw methodNotAllowed('POST')
    if (!isServiceRole(req)) throw new HttpError(401, 'unauthenticated', 'stripe-sync accepts only the service-role key')
    const r = await parse(req)
    const limits = syncLimits()
    const wallBudgetMs = r.budgetMs ?? limits.wallBudgetMs
    // A clock moved by a test or the demo (asOf) runs everything due at once, bounded by wall time only.
    const budget = new Budget(r.asOf ? Number.POSITIVE_INFINITY : limits.cpuBudgetMs, wallBudgetMs)
    if (r.mode === 'reconcile') {
      return json(200, { mode: r.mode, ...(await reconcile(deps.sql, deps.stripe(), r.days)) })
    }
    const sync = r.mode === 'drain'
      ? await runWorker(deps.sql, deps.syncer({ coalesce: r.coalesce !== false }), {
        budget,
        budgetMs: wallBudgetMs,
        ...(deps.queue ? { queue: deps.queue } : {}),
        visibilitySeconds: limits.visibilitySeconds,
        ...(r.batchSize ? { batchSize: r.batchSize } : {}),
        ...(r.concurrency ? { concurrency: r.concurrency } : {}),
        ...(r.coalesce !== undefined ? { coalesce: r.coalesce } : {}),
      })
      : undefined
    const asOf = r.asOf ? new Date(r.asOf) : undefined
    // Past its budget with events left, the sync hands them to a fresh invocation at once: it drains them
    // while this one runs the workflows and sends the emails (seconds under load), not after.
    let rekicked = false
    const rekick = () => {
      if (rekicked || asOf || !deps.kick) return
      rekicked = true
      deps.kick({ trigger: 'self', ...(r.mode === 'drain' ? {} : { mode: r.mode }), ...(r.work ? { work: r.work } : {}) })
    }
    if (sync?.stoppedBy === 'cpu' || sync?.stoppedBy === 'budget') rekick()
    // The drain runs what events started; a timed job only its own kind (scope.ts).
    const work = r.mode === 'drain' ? 'immediate' : ((r.work as TimedWork | undefined) ?? 'all')
    const workflows = await runDue(deps.sql, deps.workflows, { asOf, work, budget })
    // Every due email, at the transport's pace, until the budget (a drain: its slice) is spent (rendering is
    // the costliest CPU per item); past it already, a few only. The next invocation sends the rest.
    // The runner's last claim says whether any email is due: none, delivery makes no claim of its own.
    const slice = r.mode === 'drain' && !asOf ? { budgetMs: DRAIN_EMAIL_SLICE_MS } : {}
    const emails = deps.deliverEmails
      ? await deps.deliverEmails(deps.sql, { now: asOf, budget, ...slice, ...(budget.spent() ? { limit: 5 } : {}), noneDue: workflows.emailsDue === false })
      : undefined
    if ([workflows.stoppedBy, emails?.stoppedBy].some((s) => s === 'cpu' || s === 'budget')) rekick()
    if (sync && (sync.dead.length > 0 || sync.retried.length > 0)) {
      console.warn(`stripe-sync (${r.trigger ?? 'unknown'}): ${sync.synced.length} synced, ${sync.retried.length} retrying, ${sync.dead.length} dead`)
    }
    const usage = budget.usage()
    // One line per invocation: what it cost against the edge runtime's limits (npm run bench reads these).
    console.log(
      `stripe-sync usage ${
        JSON.stringify({
          trigger: r.trigger ?? null,
          mode: r.mode,
          work: r.work ?? null,
          synced: sync?.synced.reduce((n, g) => n + g.events, 0) ?? 0,
          // Groups synced: one Stripe call and one transaction each (events per group: coalescing's yield).
          groups: sync?.synced.length ?? 0,
          // Of wallMs, the part the sync took (the rest: due workflows and emails).
          syncMs: sync?.durationMs ?? 0,
          stoppedBy: sync?.stoppedBy ?? workflows.stoppedBy,
          rekicked,
          ...usage,
        })
      }`,
    )
    if (r.watchSeconds && deps.kick) {
      const kick = deps.kick
      const watching = watchReturned(
        deps.sql,
        deps.queue ?? QUEUE,
        started + r.watchSeconds * 1000,
        deps.watchEveryMs ?? 5000,
        () => kick({ trigger: 'returned' }),
      )
        .catch((err) => console.error('stripe-sync: watching for returned messages failed:', err))
      deps.background?.(watching)
    }
    return json(200, { mode: r.mode, ...(r.work ? { work: r.work } : {}), sync, workflows, emails, usage, rekicked })
  } catch (err) {
    return errorResponse(err, 'stripe-sync')
  }
}
