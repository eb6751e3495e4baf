// The sync worker's loop: read a batch from the queue, coalesce it by customer, sync each group, delete
// what committed, retry what failed with backoff, dead-letter what failed too often; until the queue is
// empty or the CPU or wall budget is spent. Messages are read with a short visibility timeout that is
// renewed while they are worked on (hold.ts). The per-group sync itself is injected (see syncer.ts).
import type postgres from 'postgres'
import { NonRetriableError, RetryAfterError } from '../errors.ts'
import { stripeCalls } from '../stripe/limited-http-client.ts'
import { Budget, DEFAULT_VISIBILITY_SECONDS } from './budget.ts'
import { markFailed } from './events.ts'
import { type Group, groupMessages } from './groups.ts'
import { holdMessages } from './hold.ts'
import { FLOOD_MAX_SETTLE_MS, FLOOD_SETTLE_MS, MAX_SETTLE_MS, SETTLE_MS } from '../settle-window.ts'
import { archiveMessages, deleteMessages, type Message, QUEUE, readBatch, retryLater } from './queue.ts'

export interface WorkerOptions {
  queue: string
  batchSize: number
  /** Short: a dead worker's messages come back this soon; a live worker renews it while it works. */
  visibilitySeconds: number
  /** A message read this many times that fails again becomes a dead letter. */
  maxReads: number
  /** Stop taking work after this long (the edge runtime's wall-clock limit, with margin). */
  budgetMs: number
  /** Stop taking work after this much CPU time (the edge runtime's CPU limit, with margin). */
  cpuBudgetMs: number
  /** The invocation's budget, when it spans more than this worker (stripe-sync's handler). */
  budget?: Budget
  /** Groups synced at once (each holds one database connection while it runs). */
  concurrency: number
  coalesce: boolean
  /** A busy customer's events wait until it has been quiet this long, then go as one group (groups.ts). */
  settleMs: number
  /** ...or until one of them has waited this long. */
  maxSettleMs: number
  /** The same two while the queue is flooded (queue.ts's FLOOD_TAIL). */
  floodSettleMs: number
  floodMaxSettleMs: number
}

const DEFAULT_WORKER_OPTIONS: WorkerOptions = {
  queue: QUEUE,
  batchSize: 50,
  visibilitySeconds: DEFAULT_VISIBILITY_SECONDS,
  maxReads: 8,
  budgetMs: 50_000,
  // Scripts and tests in Node have no CPU limit; stripe-sync passes its own (syncLimits()).
  cpuBudgetMs: Number.POSITIVE_INFINITY,
  concurrency: 8,
  coalesce: true,
  settleMs: SETTLE_MS,
  maxSettleMs: MAX_SETTLE_MS,
  floodSettleMs: FLOOD_SETTLE_MS,
  floodMaxSettleMs: FLOOD_MAX_SETTLE_MS,
}

export interface SyncReport {
  /** `cpu` / `budget`: work may remain, for the next invocation. */
  stoppedBy: 'empty' | 'budget' | 'cpu'
  batches: number
  synced: { key: string; events: number }[]
  retried: { key: string; events: string[]; error: string; retryInSeconds: number }[]
  dead: { key: string; events: string[]; error: string }[]
  stripeCalls: number
  durationMs: number
}

/**
 * Syncs one group. It may delete the group's messages in its own transaction (they then go exactly with
 * the work they stand for) and say so; otherwise the worker deletes them after it returns.
 */
export type GroupSyncer = (group: Group) => Promise<void | { messagesDeleted: true }>

/** Exponential backoff with jitter, at least what a Retry-After asked for, at most ten minutes. */
export function backoffSeconds(readCount: number, err: unknown): number {
  const base = Math.min(600, 2 * 2 ** Math.max(0, readCount - 1))
  const asked = err instanceof RetryAfterError ? err.retryAfterMs / 1000 : 0
  return Math.max(asked, base * (0.8 + Math.random() * 0.4))
}

function describe(err: unknown): string {
  const e = err as { name?: string; message?: string; statusCode?: number }
  return `${e?.name ?? 'Error'}${e?.statusCode ? ` (${e.statusCode})` : ''}: ${e?.message ?? String(err)}`
}

/** A worker waiting for a busy customer reads again no sooner than this (the read answers in ms). */
const MIN_SETTLE_WAIT_MS = 10

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++])
  })
  await Promise.all(lanes)
}

export async function runWorker(sql: postgres.Sql, syncGroup: GroupSyncer, options: Partial<WorkerOptions> = {}): Promise<SyncReport> {
  const opts = { ...DEFAULT_WORKER_OPTIONS, ...options }
  const started = Date.now()
  const callsBefore = stripeCalls.count
  const report: SyncReport = { stoppedBy: 'empty', batches: 0, synced: [], retried: [], dead: [], stripeCalls: 0, durationMs: 0 }
  const budget = opts.budget ?? new Budget(opts.cpuBudgetMs, opts.budgetMs)
  const overBudget = () => {
    const spent = budget.spent() ?? (Date.now() - started > opts.budgetMs ? 'budget' : null)
    if (spent) report.stoppedBy = spent
    return spent !== null
  }
  const hold = holdMessages(sql, opts.queue, opts.visibilitySeconds, () => budget.sampleHeap())

  const fail = async (g: Group, err: unknown) => {
    const reads = Math.max(...g.messages.map((m) => m.readCount))
    const ids = g.messages.map((m) => m.msgId)
    const error = describe(err)
    await hold.release(ids)
    if (err instanceof NonRetriableError || reads >= opts.maxReads) {
      await archiveMessages(sql, opts.queue, ids)
      await markFailed(sql, g.eventIds, 'dead', reads, error)
      report.dead.push({ key: g.key, events: g.eventIds, error })
      console.error(`stripe-sync: ${g.key} dead after ${reads} reads (events ${g.eventIds.join(', ') || 'none'}): ${error}`)
      return
    }
    const delay = backoffSeconds(reads, err)
    await retryLater(sql, opts.queue, ids, delay)
    await markFailed(sql, g.eventIds, 'failed', reads, error)
    report.retried.push({ key: g.key, events: g.eventIds, error, retryInSeconds: Math.round(delay) })
    console.warn(`stripe-sync: ${g.key} failed (read ${reads}), retry in ${Math.round(delay)}s (events ${g.eventIds.join(', ') || 'none'}): ${error}`)
  }

  const work = async (batch: Message[]) => {
    hold.add(batch.map((m) => m.msgId))
    report.batches++
    const invalid = batch.filter((m) => !m.body)
    if (invalid.length > 0) {
      await hold.release(invalid.map((m) => m.msgId))
      await archiveMessages(sql, opts.queue, invalid.map((m) => m.msgId))
      for (const m of invalid) report.dead.push({ key: `message:${m.msgId}`, events: [], error: 'message is not a queued event' })
      console.error(`stripe-sync: archived ${invalid.length} malformed message(s): ${invalid.map((m) => m.msgId).join(', ')}`)
    }
    // Past the budget, the groups not started go back to the queue together, visible at once.
    const left: string[] = []
    await eachLimited(groupMessages(batch.filter((m) => m.body), opts.coalesce), opts.concurrency, async (g) => {
      const ids = g.messages.map((m) => m.msgId)
      if (overBudget()) return void left.push(...ids)
      let done: Awaited<ReturnType<GroupSyncer>>
      try {
        done = await syncGroup(g)
      } catch (err) {
        return void (await fail(g, err))
      }
      await hold.release(ids)
      if (!done?.messagesDeleted) await deleteMessages(sql, opts.queue, ids)
      report.synced.push({ key: g.key, events: g.eventIds.length })
    })
    if (left.length > 0) {
      await hold.release(left)
      await retryLater(sql, opts.queue, left, 0)
    }
  }

  // The first read's time: the messages enqueued before it are this worker's to take (their kicks may
  // have started it); later ones have kicks of their own.
  let since: Date | null = null
  const settle = {
    settleMs: opts.coalesce ? opts.settleMs : 0,
    maxWaitMs: opts.maxSettleMs,
    flood: { settleMs: opts.coalesce ? opts.floodSettleMs : 0, maxWaitMs: opts.floodMaxSettleMs },
  }
  const drain = async () => {
    while (!overBudget()) {
      const read = await readBatch(sql, opts.queue, opts.batchSize, opts.visibilitySeconds, { ...settle, since })
      const readAt = performance.now()
      since ??= read.at
      const batch = read.messages
      if (batch.length > 0) await work(batch)
      // A full batch: more may be waiting. A short one took all there was, but for busy customers' messages:
      // those this worker answers for it waits for; none, it is done (no second read to find the queue empty).
      if (batch.length >= opts.batchSize) continue
      if (read.waitMs === null) {
        // Groups left to the budget went back to the queue: stoppedBy says so, for a fresh invocation.
        if (!overBudget()) report.stoppedBy = 'empty'
        return
      }
      await sleep(Math.max(MIN_SETTLE_WAIT_MS, read.waitMs - (performance.now() - readAt)))
    }
  }

  try {
    await drain()
  } finally {
    await hold.stop()
  }
  report.stripeCalls = stripeCalls.count - callsBefore
  report.durationMs = Date.now() - started
  return report
}
