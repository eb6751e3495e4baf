// A first install's backfill: every Stripe customer is queued for a sync (as ops.resync_customer
// does), then the queue is drained. Used by `npm run backfill`; progress is reported as it goes.
import type postgres from 'postgres'
import type { StripeContext } from '../stripe/context.ts'
import { call } from '../stripe/context.ts'
import { QUEUE } from './queue.ts'
import type { GroupSyncer, WorkerOptions } from './worker.ts'
import { runWorker } from './worker.ts'

export interface BackfillProgress {
  phase: 'listing' | 'syncing'
  customers: number
  synced: number
  failed: number
}

/** Queues a sync of every customer in Stripe; returns how many. */
async function queueAllCustomers(sql: postgres.Sql, ctx: StripeContext, queue: string, onPage?: (n: number) => void): Promise<number> {
  let count = 0
  await call('list customers', async () => {
    // The library pages, 100 a request; each request (and each of its retries) takes a token.
    for await (const c of ctx.stripe.customers.list({ limit: 100 })) {
      await sql`select pgmq.send(${queue}, billing.sync_queue_message('backfill', ${c.id}, ${c.id}), 0)`
      if (++count % 100 === 0) onPage?.(count)
    }
  })
  onPage?.(count)
  return count
}

/** Drains the queue until empty, reporting progress after each worker pass. */
export async function backfill(
  sql: postgres.Sql,
  ctx: StripeContext,
  syncer: GroupSyncer,
  opts: Partial<WorkerOptions> & { onProgress?: (p: BackfillProgress) => void } = {},
): Promise<BackfillProgress> {
  const queue = opts.queue ?? QUEUE
  const progress: BackfillProgress = { phase: 'listing', customers: 0, synced: 0, failed: 0 }
  progress.customers = await queueAllCustomers(sql, ctx, queue, (n) => opts.onProgress?.({ ...progress, customers: n }))
  progress.phase = 'syncing'
  for (let pass = 0; pass < 1000; pass++) {
    const r = await runWorker(sql, syncer, { ...opts, queue, budgetMs: opts.budgetMs ?? 10_000 })
    progress.synced += r.synced.length
    progress.failed += r.dead.length
    opts.onProgress?.({ ...progress })
    if (r.stoppedBy === 'empty' && r.retried.length === 0) {
      const [{ n }] = await sql`select queue_length::int as n from pgmq.metrics(${queue})`
      if (n === 0) break
      // Messages waiting out a backoff: give them a moment.
      await new Promise((w) => setTimeout(w, 1000))
    }
  }
  return progress
}
