// `npm run bench`: issue 15's measures in one run on the `bench` profile (BENCH_PROFILE), the peer
// (@supabase/stripe-sync-engine, dev/bench/peer.ts) beside us. In order, so each starts from a quiet
// stack: the drain at a 100 req/s bucket (drain.ts: Stripe calls per customer, ratio to the rate-limit
// floor, customers/s); lag and CPU at 50 events/s in per-customer bursts (receipt -> processed, from the
// inbox's own timestamps; the functions host's CPU over ack and sync); then ingest in interleaved pairs
// (ours, peer, ...) on the same signed events, the load average read before each pair, while our sync
// drains what the earlier pairs queued. Writes bench-results/<date>.json and .html; ends with one
// `name=value` line per target (medians of the pairs). `--quick`: small sizes, under a minute, for
// `npm test` (shape, not speed). The other benches (ingest, limits, emails) stay their own scripts.
import { mkdirSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { profile, ROOT } from '../stack/config.ts'
import { superuser } from '../stack/postgres.ts'
import { down, up } from '../stack/stack.ts'
import { drainBench } from './drain.ts'
import { benchCustomers, burstEvents, spreadEvents, type Signed } from './events.ts'
import { agent, closedLoop, pct, post } from './http-load.ts'
import { startPeer } from './peer.ts'
import { quiet } from './quiet.ts'
import { functionsHostPid, hostCpuMs } from './proc-stats.ts'
import { writeReport, type BenchResult } from './report.ts'

const quick = process.argv.includes('--quick')
const env = (name: string, full: number, small: number) => Number(process.env[name] ?? (quick ? small : full))
const CUSTOMERS = env('BENCH_CUSTOMERS', 200, 12)
const EVENTS = env('BENCH_EVENTS', 3_000, 40)
const PAIRS = env('BENCH_PAIRS', 3, 3)
const CONCURRENCY = env('BENCH_CONCURRENCY', 16, 4)
const LAG_SECONDS = env('BENCH_LAG_SECONDS', 30, 2)
const LAG_RATE = 50
const BURST = 5
const DRAIN_EVENTS = env('BENCH_DRAIN_EVENTS', 2_000, 60)
const DRAIN_CUSTOMERS = env('BENCH_DRAIN_CUSTOMERS', 200, 6)
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
try {
  // The live limit (100 req/s) for the whole run; the drain sets the same. Then the customers, and the
  // stack's sync of the events their creation sent, before anything is measured (it shares the bucket).
  await sql`update billing.stripe_rate_limits set requests_per_second = 100, burst = 100, tokens = 100, paused_until = null where bucket = 'test'`
  console.log(`${CUSTOMERS} customers in the stack's emulator`)
  const customers = await benchCustomers(p, CUSTOMERS)
  if (!quick) await quiet(sql, 'setup') // --quick checks the output's shape: its figures mean nothing anyway

  console.log(`drain: ${DRAIN_EVENTS} events of ${DRAIN_CUSTOMERS} customers at 100 req/s`)
  const drain = await drainBench(p, { events: DRAIN_EVENTS, customers: DRAIN_CUSTOMERS, uncoalesced: false })

  // Lag: events sent on time (open loop) to a quiet stack.
  if (!quick) await quiet(sql, 'drain')
  console.log(`lag: ${LAG_RATE} events/s in bursts of ${BURST} per customer for ${LAG_SECONDS} s`)
  const lagEvents = await burstEvents('lag', LAG_RATE * LAG_SECONDS, BURST, customers)
  const host = functionsHostPid(p)
  const cpu0 = hostCpuMs(host)
  const t0 = performance.now()
  const lagStatuses = await Promise.all(lagEvents.map(async (s, i) => {
    const wait = t0 + (i * 1000) / LAG_RATE - performance.now()
    if (wait > 0) await sleep(wait)
    return post(p.ports.api, s.payload, s.signature, WEBHOOK).catch(() => 0)
  }))
  const ids = lagEvents.map((e) => e.id)
  for (const until = Date.now() + 300_000; Date.now() < until; await sleep(250)) {
    const [{ open }] = await sql`select count(*)::int as open from billing.stripe_events where id = any(${ids}) and status not in ('processed', 'dead')`
    if (open === 0) break
  }
  const cpuMsPerEvent = (hostCpuMs(host) - cpu0) / lagEvents.length
  const rows = await sql<{ at: number; lag: number | null }[]>`
    select extract(epoch from received_at - min(received_at) over ())::float8 as at, (extract(epoch from processed_at - received_at) * 1000)::float8 as lag
    from billing.stripe_events where id = any(${ids}) order by received_at`
  const lags = rows.filter((r) => r.lag !== null).map((r) => r.lag!).sort((a, b) => a - b)
  const lag = {
    rate: LAG_RATE, burst: BURST, seconds: LAG_SECONDS, events: lagEvents.length, processed: lags.length,
    non2xx: lagStatuses.filter((s) => s < 200 || s >= 300).length,
    p50ms: Math.round(pct(lags, 50) ?? NaN), p99ms: Math.round(pct(lags, 99) ?? NaN),
    series: rows.map((r) => [Number(r.at.toFixed(3)), r.lag === null ? null : Math.round(r.lag)] as [number, number | null]),
  }

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
    pairs, lag, cpuMsPerEvent: Number(cpuMsPerEvent.toFixed(2)),
    drain: { ...drain, results: drain.results },
    targets: {
      ingest_ratio_vs_peer: median(pairs.map((x) => x.ratio)),
      ingest_p99_ms: median(pairs.map((x) => x.ours.p99ms)),
      stripe_calls_per_customer: coalesced.callsPerCustomer,
      customers_per_s_at_100rps: Number((coalesced.customers / coalesced.seconds).toFixed(1)),
      lag_p50_ms: lag.p50ms,
      lag_p99_ms: lag.p99ms,
      cpu_ms_per_event: Number(cpuMsPerEvent.toFixed(2)),
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
