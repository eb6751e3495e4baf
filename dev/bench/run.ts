// `npm run bench`: issue 15's measures in one run on the `bench` profile (BENCH_PROFILE), the peer
// (@supabase/stripe-sync-engine, dev/bench/peer.ts) beside us. In order, so each starts from a quiet
// stack: the drain at a 100 req/s bucket (drain.ts: Stripe calls per customer, ratio to the rate-limit
// floor); lag and CPU at 50 events/s in per-customer bursts (lag.ts: receipt -> processed, from the
// inbox's own timestamps; the functions host's CPU over ack, sync and workflows); the sustained runs, one
// distinct customer per event at 90% of a 25 and a 100 req/s bucket for BENCH_SUSTAIN_SECONDS (default
// 120) each (customers/s processed, lag); then ingest in interleaved pairs (ours, peer, ...) on the same
// signed events, the load average read before each pair, while our sync drains what the earlier pairs
// queued. Writes bench-results/<date>.json and .html; ends with one `name=value` line per target
// (medians of the pairs). `--quick`: small sizes, under a minute, for `npm test` (shape, not speed).
// Sizes (BENCH_* variables) default to the issue's: 10,000 events and 1,000 customers, concurrency 16.
// The other benches (ingest, limits, emails) stay their own scripts.
import { mkdirSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { profile, ROOT } from '../stack/config.ts'
import { superuser } from '../stack/postgres.ts'
import { down, up } from '../stack/stack.ts'
import { drainBench } from './drain.ts'
import { benchCustomers, burstEvents, spreadEvents, type Signed } from './events.ts'
import { agent, closedLoop, post } from './http-load.ts'
import { lagRun } from './lag.ts'
import { startPeer } from './peer.ts'
import { quiet } from './quiet.ts'
import { writeReport, type BenchResult } from './report.ts'

const quick = process.argv.includes('--quick')
const env = (name: string, full: number, small: number) => Number(process.env[name] ?? (quick ? small : full))
const CUSTOMERS = env('BENCH_CUSTOMERS', 1_000, 12)
const EVENTS = env('BENCH_EVENTS', 10_000, 40)
const PAIRS = env('BENCH_PAIRS', 3, 3)
const CONCURRENCY = env('BENCH_CONCURRENCY', 16, 4)
const LAG_SECONDS = env('BENCH_LAG_SECONDS', 30, 2)
const LAG_RATE = 50
const BURST = 5
const DRAIN_EVENTS = env('BENCH_DRAIN_EVENTS', 10_000, 60)
const DRAIN_CUSTOMERS = env('BENCH_DRAIN_CUSTOMERS', 1_000, 6)
/** How long each sustained run (one distinct customer per event, at 25 and at 100 req/s) lasts. */
const SUSTAIN_SECONDS = env('BENCH_SUSTAIN_SECONDS', 120, 2)
/** The sustained runs offer this share of the bucket's rate in customers/s (a customer costs about one call). */
const SUSTAIN_SHARE = 0.9
const WEBHOOK = '/functions/v1/stripe-webhook'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]
const load = () => os.loadavg().map((l) => Number(l.toFixed(2))) as [number, number, number]

const p = profile(process.env.BENCH_PROFILE ?? 'bench')
console.log(`bench${quick ? ' (quick)' : ''}: profile ${p.name}, load average ${load().join(' ')}`)
await up(p, { fresh: true })
const sql = superuser(p)
const peer = await startPeer(p).catch(async (err) => {
  await sql.end()
  await down(p, { cluster: true })
  throw err
})
let closing: string[] = []
const setBucket = async (rps: number) =>
  void (await sql`update billing.stripe_rate_limits set requests_per_second = ${rps}, burst = ${rps}, tokens = ${rps}, paused_until = null where bucket = 'test'`)
try {
  // The live limit (100 req/s) for the whole run; the drain sets the same. Then the customers, and the
  // stack's sync of the events their creation sent, before anything is measured (it shares the bucket).
  await setBucket(100)
  console.log(`${CUSTOMERS} customers in the stack's emulator`)
  const customers = await benchCustomers(p, CUSTOMERS)
  if (!quick) await quiet(sql, 'setup') // --quick checks the output's shape: its figures mean nothing anyway

  console.log(`drain: ${DRAIN_EVENTS} events of ${DRAIN_CUSTOMERS} customers at 100 req/s`)
  const drain = await drainBench(p, { events: DRAIN_EVENTS, customers: DRAIN_CUSTOMERS, uncoalesced: false })

  // Lag: events sent on time (open loop) to a quiet stack.
  if (!quick) await quiet(sql, 'drain')
  console.log(`lag: ${LAG_RATE} events/s in bursts of ${BURST} per customer for ${LAG_SECONDS} s, load average ${load().join(' ')}`)
  const lagRes = await lagRun(p, sql, await burstEvents('lag', LAG_RATE * LAG_SECONDS, BURST, customers), LAG_RATE)
  const { cpuMsPerEvent, ...lag } = { ...lagRes, burst: BURST, seconds: LAG_SECONDS }

  // Sustained: one distinct customer per event at 90% of the bucket's rate, for SUSTAIN_SECONDS each.
  const sustain = []
  for (const rps of [25, 100]) {
    if (!quick) await quiet(sql, `sustain ${rps}`)
    await setBucket(rps)
    const rate = Math.max(1, Math.round(rps * SUSTAIN_SHARE))
    const loadAverage = load()
    console.log(`sustain: ${rate} customers/s at a ${rps} req/s Stripe limit for ${SUSTAIN_SECONDS} s, load average ${loadAverage.join(' ')}`)
    const run = await lagRun(p, sql, await spreadEvents(`sustain${rps}`, rate * SUSTAIN_SECONDS, customers), rate)
    sustain.push({ rps, loadAverage, seconds: SUSTAIN_SECONDS, ...run })
  }
  await setBucket(100)

  // Ingest pairs. A warm-up for each side first (JIT, pools, the peer's prepared statements).
  const warm = await spreadEvents('warm', 40, customers)
  for (const w of warm) await post(p.ports.api, w.payload, w.signature, WEBHOOK)
  for (const w of await spreadEvents('warmpeer', 40, customers)) await post(peer.port, w.payload, w.signature, peer.path)
  const pairs = []
  for (let i = 1; i <= PAIRS; i++) {
    const events: Signed[] = await spreadEvents(`pair${i}_${Date.now().toString(36)}`, EVENTS, customers)
    const loadAverage = load()
    console.log(`pair ${i}/${PAIRS}: ${EVENTS} events at concurrency ${CONCURRENCY}, load average ${loadAverage.join(' ')}`)
    const ours = await closedLoop(p.ports.api, WEBHOOK, events, CONCURRENCY)
    const theirs = await closedLoop(peer.port, peer.path, events, CONCURRENCY)
    pairs.push({ pair: i, loadAverage, ours, peer: theirs, ratio: Number((ours.eventsPerSecond / theirs.eventsPerSecond).toFixed(2)) })
  }

  const coalesced = drain.results[0]
  const result: BenchResult = {
    date: new Date().toISOString(), quick, profile: p.name, cpus: os.cpus().length,
    sizes: { customers: CUSTOMERS, eventsPerSide: EVENTS, pairs: PAIRS, concurrency: CONCURRENCY },
    pairs, lag, cpuMsPerEvent, sustain,
    drain: { ...drain, results: drain.results },
    targets: {
      ingest_ratio_vs_peer: median(pairs.map((x) => x.ratio)),
      ingest_p99_ms: median(pairs.map((x) => x.ours.p99ms)),
      stripe_calls_per_customer: coalesced.callsPerCustomer,
      customers_per_s_at_100rps: sustain.find((x) => x.rps === 100)!.processedPerSecond,
      lag_p50_ms: lag.p50ms,
      lag_p99_ms: lag.p99ms,
      cpu_ms_per_event: cpuMsPerEvent,
      drain_ratio_to_floor: coalesced.ratioToFloor,
    },
  }
  const dir = path.join(ROOT, 'bench-results')
  mkdirSync(dir, { recursive: true })
  closing = writeReport(dir, result)
} finally {
  agent.destroy()
  await peer.close()
  await sql.end()
  await down(p, { cluster: true })
}
// Last, after the stack is down: the eight lines a script reads.
for (const line of closing) console.log(line)
if (closing.length === 0) process.exit(1)
