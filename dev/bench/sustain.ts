// The sustained distinct-customers/s the sync keeps up with at a Stripe limit (issue 15: at 25 and
// 100 req/s; target >= 60/s at 100 with lag p99 < 3 s over 2 minutes). One distinct customer per event
// (the bench's mix: each third an invoice.paid, whose invoice is the subscription's latest and comes with
// the customer's one call), offered open loop. A short step search first: rates rising as shares of the bucket, STEP seconds each,
// from a quiet stack, up to the first step not kept up with (every event processed, none refused, lag
// p99 < 3 s). Then a confirmation run of `confirmSeconds` at the highest rate kept up with, stepped down
// the ladder (at most MAX_STEP_DOWNS times) while it fails: a short step can pass a rate two minutes cannot. The confirmed run's processed rate is the figure; it says whether it kept up.
import os from 'node:os'
import type postgres from 'postgres'
import type { Profile } from '../stack/config.ts'
import { type Customer, spreadEvents } from './events.ts'
import { type LagResult, lagRun } from './lag.ts'
import { quiet } from './quiet.ts'
import { type CallsPerSecond, stripeCallMeter } from './stripe-calls.ts'

/** Lag p99 a rate must stay under to count as kept up with (ms). */
const KEPT_UP_P99_MS = 3_000
/** The step search's rates, as shares of the bucket's requests/s, rising. */
const LADDER = [0.4, 0.55, 0.7, 0.85, 1]
/** Confirmation runs after the first that may step down the ladder. */
const MAX_STEP_DOWNS = 2

const load = () => os.loadavg().map((l) => Number(l.toFixed(2))) as [number, number, number]

interface SustainRun extends LagResult {
  seconds: number
  loadAverage: [number, number, number]
  /** Every event processed, none refused, lag p99 under KEPT_UP_P99_MS. */
  keptUp: boolean
  /** The stack's Stripe calls over the run, against the bucket's rate. */
  stripeCalls: CallsPerSecond
}

export interface SustainResult {
  /** The Stripe bucket's requests/s. */
  rps: number
  /** The step search: each rate tried (without its lag series; its Stripe calls as their mean per second). */
  steps: (Omit<SustainRun, 'series' | 'stripeCalls'> & { stripeCallsPerSecond: number })[]
  /** Every confirmation run (one, or more when one failed and the rate stepped down). */
  confirmations: Omit<SustainRun, 'series'>[]
  /** The last confirmation run: its processed rate is the sustained customers/s. */
  confirmed: SustainRun
}

export const keptUp = (r: LagResult) => r.processed === r.events && r.non2xx === 0 && r.p99ms < KEPT_UP_P99_MS

export async function sustainSearch(p: Profile, sql: postgres.Sql, customers: Customer[], opts: { rps: number; stepSeconds: number; confirmSeconds: number; quick: boolean }): Promise<SustainResult> {
  // --quick checks the shape: one step, no waits for quiet (its figures mean nothing anyway).
  const rates = [...new Set(LADDER.map((s) => Math.max(1, Math.round(opts.rps * s))))].slice(0, opts.quick ? 1 : undefined)
  let tag = 0
  const run = async (rate: number, seconds: number, settleMs: number): Promise<SustainRun> => {
    if (!opts.quick) await quiet(sql, `sustain ${rate}/s at ${opts.rps} req/s`)
    const loadAverage = load()
    const calls = await stripeCallMeter(p)
    const events = await spreadEvents(`sustain${opts.rps}_${++tag}_${Date.now().toString(36)}`, Math.round(rate * seconds), customers)
    const r = await lagRun(p, sql, events, rate, { settleMs })
    const out = { ...r, seconds, loadAverage, keptUp: keptUp(r), stripeCalls: await calls.done() }
    console.log(`  ${rate} customers/s for ${seconds} s (load ${loadAverage[0]}): ${out.processedPerSecond}/s processed, lag p50 ${r.p50ms} ms p99 ${r.p99ms} ms, ${out.stripeCalls.mean} Stripe calls/s: ${out.keptUp ? 'kept up' : 'fell behind'}`)
    return out
  }
  const steps: SustainResult['steps'] = []
  let best = -1
  for (const [i, rate] of rates.entries()) {
    // A step that falls behind has shown it: the next quiet() waits for its backlog.
    const { series: _, stripeCalls, ...step } = await run(rate, opts.stepSeconds, 10_000)
    steps.push({ ...step, stripeCallsPerSecond: stripeCalls.mean })
    if (!step.keptUp) break
    best = i
  }
  const confirmations: SustainResult['confirmations'] = []
  let at = Math.max(0, best)
  let confirmed = await run(rates[at], opts.confirmSeconds, 30_000)
  for (let down = 0; !confirmed.keptUp && at > 0 && down < MAX_STEP_DOWNS; down++) {
    confirmations.push(without(confirmed))
    at -= 1
    confirmed = await run(rates[at], opts.confirmSeconds, 30_000)
  }
  confirmations.push(without(confirmed))
  return { rps: opts.rps, steps, confirmations, confirmed }
}

const without = ({ series: _, ...r }: SustainRun) => r
