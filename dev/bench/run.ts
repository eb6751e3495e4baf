// `npm run bench`: issue 15's measures in one run on the `bench` profile (BENCH_PROFILE), the peer
// (@supabase/stripe-sync-engine, dev/bench/peer.ts) beside us. Each phase starts from a quiet stack (quiet.ts:
// the previous phase's events synced, their workflow runs and emails done by the stack's own worker): the
// drain at a 100 req/s bucket (drain.ts: Stripe calls per customer, ratio to the rate-limit floor); its
// vacuum debt paid (db-stats.ts: counted in no phase); the functions host's idle CPU over
// BENCH_IDLE_SECONDS (its background); lag and CPU at 50 events/s in per-customer bursts (lag.ts:
// receipt -> processed, from the inbox's own timestamps; the host's CPU from the first post until the
// stack is quiet again, so ack, sync, workflows and emails); the sustained
// customers/s at a 25 and a 100 req/s bucket (sustain.ts: a step search, then a confirmation run); then
// ingest in interleaved pairs (ours, peer, ...) on the same signed events, the load average read before
// each pair, each side from a quiet stack (our sync drains what our run queues, meanwhile; the peer runs
// without our sync's tail), with each side's CPU per event (ours until its events are synced and their
// workflows and emails done, the peer's until its last ack); last, the peer's CPU on the lag's events at
// the lag's rate, warm from the pairs (its ack alone: what this machine charges for that). Each phase on
// the stack also reports what the functions logged of their usage (usage.ts: stripe-sync's peak heap per
// invocation) and the host's peak RSS. Writes bench-results/<date>.json and .html; ends with one
// `name=value` line per target (medians of the pairs), and exits 1 when the result fails the smoke's
// check of its shape (smoke.ts). `--quick`: small sizes, under a minute, for `npm test` (shape, not speed).
// Sizes (BENCH_* variables) default to the issue's: 10,000 events and 1,000 customers, concurrency 16.
// The other benches (ingest, limits, emails) stay their own scripts.
import { mkdirSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { profile, ROOT } from '../stack/config.ts'
import { superuser } from '../stack/postgres.ts'
import { runOk } from '../stack/proc.ts'
import { DENO } from '../stack/services.ts'
import { down, up } from '../stack/stack.ts'
import { drainBench } from './drain.ts'
import { benchCustomers, burstEvents, signedAgain, spreadEvents, type Signed } from './events.ts'
import { agent, closedLoop } from './http-load.ts'
import { lagRun, peerPaced } from './lag.ts'
import { startPeer } from './peer.ts'
import { assertDurable, autovacuumCounts, autovacuumsBetween, clusterCpuMs, cpuBetween, cpuReading, durability, payVacuumDebt, walBytes } from './db-stats.ts'
import { functionsHostPid, hostCpuMs, idleCpuMsPerSecond } from './proc-stats.ts'
import { quiet } from './quiet.ts'
import { type BenchResult, type PairCpu, writeReport } from './report.ts'
import { resultProblems } from './smoke.ts'
import { sustainSearch } from './sustain.ts'
import { type PhaseUsage, usageMeter } from './usage.ts'
import { warmUp } from './warm-up.ts'

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
/** Each step of the sustained runs' step search (s). */
const STEP_SECONDS = env('BENCH_STEP_SECONDS', 20, 1)
/** The confirmation run at 100 req/s (the "over 2 minutes"), and at 25 req/s. */
const SUSTAIN_SECONDS = env('BENCH_SUSTAIN_SECONDS', 120, 2)
const SUSTAIN_TEST_SECONDS = env('BENCH_SUSTAIN_TEST_SECONDS', 60, 2)
/** The functions host's idle CPU is read over this long, on a quiet stack, before the lag run. */
const IDLE_SECONDS = env('BENCH_IDLE_SECONDS', 20, 1)
/** Timer wakes of an idle Deno thread (20 ms apart) that measure a wake's CPU (wake-floor.ts). */
const WAKES = env('BENCH_WAKES', 300, 20)
const WEBHOOK = '/functions/v1/stripe-webhook'
/** Each side's warm-up before the ingest pairs (warm-up.ts): three events per customer. */
const WARM_EVENTS = env('BENCH_WARM_EVENTS', 3 * CUSTOMERS, 3 * CUSTOMERS)

/** A Deno thread's CPU per wake from idle on this machine, ms (wake-floor.ts). */
async function wakeFloorMs(): Promise<number> {
  const r = await runOk(DENO, ['run', '--allow-all', path.join(ROOT, 'dev/bench/wake-floor.ts'), String(WAKES), '20'], { cwd: ROOT })
  return (JSON.parse(r.stdout) as { msPerWake: number }).msPerWake
}

/**
 * A side's CPU so far (ms): its process (our functions host, or the peer's server) and the database
 * cluster, which each side has to itself while it runs (the Stripe emulator, Stripe's part, is not counted).
 */
const cpuNow = async (pid: number) => ({ process: hostCpuMs(pid), db: await cpuReading(p, sql), wal: await walBytes(sql) })
function cpuPerEvent(a: Awaited<ReturnType<typeof cpuNow>>, b: Awaited<ReturnType<typeof cpuNow>>, events: number): PairCpu {
  const [proc, db] = [(b.process - a.process) / events, (b.db.total - a.db.total) / events]
  return { processMsPerEvent: Number(proc.toFixed(3)), dbMsPerEvent: Number(db.toFixed(3)), msPerEvent: Number((proc + db).toFixed(3)), dbBy: cpuBetween(a.db, b.db, events), walBytesPerEvent: Math.round((b.wal - a.wal) / events) }
}

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
let problems: string[] = []
const setBucket = async (rps: number) =>
  void (await sql`update billing.stripe_rate_limits set requests_per_second = ${rps}, burst = ${rps}, tokens = ${rps}, paused_until = null where bucket = 'test'`)
/** Seconds each phase waited for the stack to be quiet before it began. */
const quietSeconds: Record<string, number> = {}
// --quick checks the output's shape: no waits (a retry due at pg_cron's next tick could take a minute).
const settle = async (label: string) => void (quick || (quietSeconds[label] = await quiet(sql, label)))
const usage: Record<string, PhaseUsage> = {}
try {
  const database = await durability(sql)
  if (!quick) assertDurable(database)
  // The live limit (100 req/s) for the whole run; the drain sets the same. Then the customers, and the
  // stack's sync of the events their creation sent, before anything is measured (it shares the bucket).
  await setBucket(100)
  console.log(`${CUSTOMERS} customers in the stack's emulator`)
  const customers = await benchCustomers(p, CUSTOMERS)
  await settle('setup')

  console.log(`drain: ${DRAIN_EVENTS} events of ${DRAIN_CUSTOMERS} customers at 100 req/s (quiet after ${quietSeconds.setup} s)`)
  const drain = await drainBench(p, { events: DRAIN_EVENTS, customers: DRAIN_CUSTOMERS, uncoalesced: false })

  // The host's background on a quiet stack, then lag: events sent on time (open loop) to a quiet stack,
  // its database's vacuum debt paid first (the drain's dead rows: their autovacuum is not the lag's work).
  await settle('drain')
  const vacuumBeforeLag = quick ? null : await payVacuumDebt(sql)
  const host = functionsHostPid(p)
  const idle = await idleCpuMsPerSecond({ host: () => hostCpuMs(host), db: () => clusterCpuMs(p) }, IDLE_SECONDS)
  const wakeMs = await wakeFloorMs()
  console.log(`lag: ${LAG_RATE} events/s in bursts of ${BURST} per customer for ${LAG_SECONDS} s, load average ${load().join(' ')}; idle ${idle.host} ms CPU/s in the host, ${idle.db} in Postgres; a Deno thread's wake from idle ${wakeMs} ms CPU`)
  let meter = usageMeter(p)
  const lagEvents = await burstEvents('lag', LAG_RATE * LAG_SECONDS, BURST, customers)
  const vacuums0 = await autovacuumCounts(sql)
  const lagRes = await lagRun(p, sql, lagEvents, LAG_RATE, { untilQuiet: !quick })
  const autovacuumsInLag = autovacuumsBetween(vacuums0, await autovacuumCounts(sql))
  usage.lag = meter.done()
  const { cpuMsPerEvent: hostMsPerEvent, dbCpuMsPerEvent, dbCpuBy, cpuWindowSeconds, cpuByThread, slicesPerEvent, ...lag } = { ...lagRes, burst: BURST, seconds: LAG_SECONDS }
  const idleMsPerEvent = (idle.host * cpuWindowSeconds) / lag.events
  // The target: the ack, the sync and the workflows where they run, the functions host and Postgres.
  const cpuMsPerEvent = Number((hostMsPerEvent + dbCpuMsPerEvent).toFixed(2))
  const cpu = {
    msPerEvent: hostMsPerEvent, windowSeconds: cpuWindowSeconds, idleMsPerSecond: idle.host, idleSeconds: IDLE_SECONDS,
    idleMsPerEvent: Number(idleMsPerEvent.toFixed(2)), netOfIdleMsPerEvent: Number((hostMsPerEvent - idleMsPerEvent).toFixed(2)),
    dbMsPerEvent: dbCpuMsPerEvent, dbIdleMsPerSecond: idle.db, totalMsPerEvent: cpuMsPerEvent,
    byThread: cpuByThread, dbBy: dbCpuBy, slicesPerEvent, wakeMs, wakes: WAKES, vacuumBeforeLag, autovacuumsInLag,
  }
  if (vacuumBeforeLag) console.log(`  vacuumed ${vacuumBeforeLag.tables} tables before it (${vacuumBeforeLag.seconds} s); autovacuum in its window: ${JSON.stringify(autovacuumsInLag)}`)

  // Sustained: the distinct customers/s kept up with at each Stripe limit (sustain.ts).
  const sustain = []
  for (const rps of [25, 100]) {
    await settle(`sustain ${rps}`)
    await setBucket(rps)
    console.log(`sustain at a ${rps} req/s Stripe limit: steps of ${STEP_SECONDS} s, then ${rps === 100 ? SUSTAIN_SECONDS : SUSTAIN_TEST_SECONDS} s at the best`)
    meter = usageMeter(p)
    sustain.push(await sustainSearch(p, sql, customers, { rps, stepSeconds: STEP_SECONDS, confirmSeconds: rps === 100 ? SUSTAIN_SECONDS : SUSTAIN_TEST_SECONDS, quick }))
    usage[`sustain ${rps}`] = meter.done()
  }
  await settle('ingest')
  await setBucket(100)

  // Ingest pairs, after a warm-up of each side (WARM_EVENTS), not counted.
  meter = usageMeter(p)
  const warm = await warmUp({ port: p.ports.api, path: WEBHOOK }, peer, customers, CONCURRENCY, WARM_EVENTS)
  const pairs = []
  for (let i = 1; i <= PAIRS; i++) {
    const events: Signed[] = await spreadEvents(`pair${i}_${Date.now().toString(36)}`, EVENTS, customers)
    const loadAverage = load()
    console.log(`pair ${i}/${PAIRS}: ${EVENTS} events at concurrency ${CONCURRENCY}, load average ${loadAverage.join(' ')}`)
    // Each side starts from a quiet stack: ours with its sync draining only what its own run queues,
    // the peer's without our sync's tail (the previous pair's, or this pair's) taking CPU from it.
    await settle(`ingest pair ${i} ours`)
    const ours0 = await cpuNow(host)
    const ours = await closedLoop(p.ports.api, WEBHOOK, events, CONCURRENCY)
    // Ours' CPU runs on until the stack is quiet again: its events synced, their workflows run and
    // emails sent (ack + sync + workflows). The peer's ends with its last ack: it has nothing after.
    await settle(`ingest pair ${i} peer`)
    const oursCpu = cpuPerEvent(ours0, await cpuNow(host), EVENTS)
    const peer0 = await cpuNow(peer.pid)
    const theirs = await closedLoop(peer.port, peer.path, events, CONCURRENCY)
    const peerCpu = cpuPerEvent(peer0, await cpuNow(peer.pid), EVENTS)
    pairs.push({ pair: i, loadAverage, ours: { ...ours, cpu: oursCpu }, peer: { ...theirs, cpu: peerCpu }, ratio: Number((ours.eventsPerSecond / theirs.eventsPerSecond).toFixed(2)) })
  }
  usage.ingest = meter.done()
  // The peer on the lag's events at the lag's rate, warm by now (the ingest pairs), our stack quiet
  // meanwhile (each pair's peer side began on a quiet stack): what an ack alone costs on this machine.
  await settle('peer at the lag rate')
  const peerAtLag = await peerPaced(p, sql, peer, await signedAgain(lagEvents), LAG_RATE)
  console.log(`the peer on the lag's events at ${LAG_RATE}/s: ${peerAtLag.msPerEvent} ms/event (its process ${peerAtLag.processMsPerEvent} + Postgres ${peerAtLag.dbMsPerEvent}), ${peerAtLag.non2xx} non-2xx`)

  const coalesced = drain.results[0]
  const at100 = sustain.find((x) => x.rps === 100)!.confirmed
  const result: BenchResult = {
    date: new Date().toISOString(), quick, profile: p.name, cpus: os.cpus().length, database,
    sizes: { customers: CUSTOMERS, eventsPerSide: EVENTS, pairs: PAIRS, concurrency: CONCURRENCY },
    warmUp: warm, pairs, lag, cpuMsPerEvent, cpu: { ...cpu, peer: peerAtLag }, sustain, usage, quietSeconds,
    drain: { ...drain, results: drain.results },
    targets: {
      ingest_ratio_vs_peer: median(pairs.map((x) => x.ratio)),
      ingest_p99_ms: median(pairs.map((x) => x.ours.p99ms)),
      stripe_calls_per_customer: coalesced.callsPerCustomer,
      customers_per_s_at_100rps: at100.processedPerSecond,
      lag_p50_ms: lag.p50ms,
      lag_p99_ms: lag.p99ms,
      cpu_ms_per_event: cpuMsPerEvent,
      drain_ratio_to_floor: coalesced.ratioToFloor,
    },
    at100rps: { offered: at100.rate, seconds: at100.seconds, lagP99ms: at100.p99ms, keptUp: at100.keptUp },
  }
  const dir = path.join(ROOT, 'bench-results')
  mkdirSync(dir, { recursive: true })
  closing = writeReport(dir, result)
  // The smoke's check of the result's shape, on every run: a full run whose figures are not what they
  // claim (a side that refused events, a missing part) says so and exits 1, its lines still printed.
  problems = resultProblems(result)
} finally {
  agent.destroy()
  await peer.close()
  await sql.end()
  await down(p, { cluster: true })
}
// Last, after the stack is down: the eight lines a script reads.
for (const problem of problems) console.error(`bench: ${problem}`)
for (const line of closing) console.log(line)
if (closing.length === 0 || problems.length > 0) process.exit(1)
