// What a call to stripe-sync may ask for; everything is optional and validated.
import { z } from 'zod'

export const SyncRequest = z
  .object({
    /** Who called, for the logs. */
    trigger: z.string().max(40).optional(),
    /**
     * `drain` (default): work through the queue, then run due workflow work. `reconcile`: list recent
     * Stripe events and record any the inbox lacks. `run-due`: only run due workflow work, as of `asOf`.
     */
    mode: z.enum(['drain', 'reconcile', 'run-due']).default('drain'),
    /**
     * With run-due: only this kind of timed work (its pg_cron job asks so); default all due work. The
     * kinds are the workflows' (TIMED_WORK in workflows/scope.ts), checked by the pipeline's handler.
     */
    work: z.string().regex(/^[a-z][a-z-]{0,39}$/).optional(),
    /** The clock for tests and the demo: run the workflow work that would be due at this (later) time. */
    asOf: z.iso.datetime({ offset: true }).optional(),
    /** Reconcile this many days back (Stripe keeps events for 30). */
    days: z.number().int().min(1).max(30).default(3),
    budgetMs: z.number().int().min(1000).max(140_000).optional(),
    /** With drain: then watch this long (from the call's start) for a dead worker's messages (sync/watch.ts). */
    watchSeconds: z.number().int().min(1).max(55).optional(),
    batchSize: z.number().int().min(1).max(500).optional(),
    concurrency: z.number().int().min(1).max(32).optional(),
    /** Benchmarks only: sync every event on its own, to measure what coalescing saves. */
    coalesce: z.boolean().optional(),
  })
  .strict()
  .refine((r) => !r.work || r.mode === 'run-due', { message: 'work is only for mode run-due', path: ['work'] })
  .refine((r) => !r.watchSeconds || r.mode === 'drain', { message: 'watchSeconds is only for mode drain', path: ['watchSeconds'] })
export type SyncRequest = z.infer<typeof SyncRequest>
