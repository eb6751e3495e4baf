// Lag under a steady load: signed events posted open loop (each at its time, whatever the answers do)
// to a running stack, then lag per event from the inbox's own timestamps (received_at -> processed_at,
// the commit that mirrored the customer and updated its organization). Used twice by run.ts: 50 events/s
// in per-customer bursts (the lag target, with the functions host's and Postgres's CPU per event), and
// the sustained runs (one distinct customer per event at a fixed rate and Stripe bucket, for customers/s).
// peerPaced sends the lag's events to the peer at the same rate: its CPU per event, an ack alone.
import type postgres from 'postgres'
import type { Profile } from '../stack/config.ts'
import type { Signed } from './events.ts'
import { pct, post } from './http-load.ts'
import { cpuByThread, functionsHostPid, hostCpuMs, threadsCpuMs } from './proc-stats.ts'
import { quiet } from './quiet.ts'
import { cpuBetween, cpuReading, slicesBetween, walBytes } from './db-stats.ts'

const WEBHOOK = '/functions/v1/stripe-webhook'
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export interface LagResult {
  rate: number
  events: number
  processed: number
  non2xx: number
  p50ms: number
  p99ms: number
  /** The cluster's WAL per event over the CPU's span (bytes): the record, the mirror, workflows and emails. */
  walBytesPerEvent: number
  /** Events processed per second, from the first receipt to the last processing. */
  processedPerSecond: number
  /**
   * The functions host's whole CPU (webhook, sync, workflows, emails, and whatever else it ran meanwhile)
   * per event, ms, from the first post until the stack was quiet again (`untilQuiet`) or the events were
   * processed.
   */
  cpuMsPerEvent: number
  /** The database cluster's CPU per event over the same span (the record, the sync's and workflows' SQL). */
  dbCpuMsPerEvent: number
  /** The same by who spent it: each function's pool by its name, background processes by their type (db-stats.ts's cpuBetween). */
  dbCpuBy: Record<string, number>
  /** The span that CPU was read over (s): the first post to quiet (or to processed). */
  cpuWindowSeconds: number
  /** The same CPU per event by thread (proc-stats.ts's cpuByThread): where the host's CPU went. */
  cpuByThread: Record<string, number>
  /**
   * Times on a CPU per event (wake-ups, and returns after preemption) by host thread and by Postgres
   * connection: with a wake's cost (wake-floor.ts), what most of the CPU at this rate is made of.
   */
  slicesPerEvent: { host: Record<string, number>; postgres: Record<string, number> }
  /** When the first event was received (ISO): series' 0, to line the lags up with pg_cron's minute ticks. */
  firstReceivedAt: string | null
  /** [arrival s, lag ms] per event, null when it was not processed in time. */
  series: [number, number | null][]
}

/** Posts each event at its time from `t0` (open loop: whatever the answers do); each one's status, 0 when none came. */
function postOnTime(port: number, path: string, signed: Signed[], rate: number, t0: number): Promise<number[]> {
  return Promise.all(signed.map(async (s, i) => {
    const wait = t0 + (i * 1000) / rate - performance.now()
    if (wait > 0) await sleep(wait)
    return post(port, s.payload, s.signature, path).catch(() => 0)
  }))
}

/**
 * Posts `signed` at `rate`/s, waits up to `settleMs` for them to be processed, and measures. With
 * `untilQuiet`, the CPU is read once the stack has also run those events' workflows and sent their emails.
 */
export async function lagRun(p: Profile, sql: postgres.Sql, signed: Signed[], rate: number, opts: { settleMs?: number; untilQuiet?: boolean } = {}): Promise<LagResult> {
  const settleMs = opts.settleMs ?? 180_000
  const host = functionsHostPid(p)
  const cpu0 = hostCpuMs(host)
  const db0 = await cpuReading(p, sql)
  const wal0 = await walBytes(sql)
  const threads0 = threadsCpuMs(host)
  const slices0 = threadsCpuMs(host, 'slices')
  const t0 = performance.now()
  const statuses = await postOnTime(p.ports.api, WEBHOOK, signed, rate, t0)
  const ids = signed.map((e) => e.id)
  for (const until = Date.now() + settleMs; Date.now() < until; await sleep(250)) {
    const [{ open }] = await sql`select count(*)::int as open from billing.stripe_events where id = any(${ids}) and status not in ('processed', 'dead')`
    if (open === 0) break
  }
  if (opts.untilQuiet) await quiet(sql, 'lag: workflows and emails')
  const cpuMsPerEvent = (hostCpuMs(host) - cpu0) / signed.length
  const threads1 = threadsCpuMs(host)
  const slices1 = threadsCpuMs(host, 'slices')
  const db1 = await cpuReading(p, sql)
  const walBytesPerEvent = Math.round(((await walBytes(sql)) - wal0) / signed.length)
  const dbCpuMsPerEvent = (db1.total - db0.total) / signed.length
  const cpuWindowSeconds = Number(((performance.now() - t0) / 1000).toFixed(1))
  const rows = await sql<{ at: number; lag: number | null; span: number | null; first: Date }[]>`
    select extract(epoch from received_at - min(received_at) over ())::float8 as at, min(received_at) over () as first, (extract(epoch from processed_at - received_at) * 1000)::float8 as lag,
      extract(epoch from max(processed_at) over () - min(received_at) over ())::float8 as span
    from billing.stripe_events where id = any(${ids}) order by received_at`
  const lags = rows.filter((r) => r.lag !== null).map((r) => r.lag!).sort((a, b) => a - b)
  const span = rows[0]?.span ?? null
  return {
    rate, events: signed.length, processed: lags.length, walBytesPerEvent, non2xx: statuses.filter((s) => s < 200 || s >= 300).length,
    p50ms: Math.round(pct(lags, 50) ?? NaN), p99ms: Math.round(pct(lags, 99) ?? NaN),
    processedPerSecond: span ? Number((lags.length / span).toFixed(1)) : 0,
    cpuMsPerEvent: Number(cpuMsPerEvent.toFixed(2)), dbCpuMsPerEvent: Number(dbCpuMsPerEvent.toFixed(2)), dbCpuBy: cpuBetween(db0, db1, signed.length), cpuWindowSeconds, cpuByThread: await cpuByThread(p, threads0, threads1, signed.length),
    slicesPerEvent: { host: await cpuByThread(p, slices0, slices1, signed.length), postgres: slicesBetween(db0, db1, signed.length) },
    firstReceivedAt: rows[0]?.first.toISOString() ?? null,
    series: rows.map((r) => [Number(r.at.toFixed(3)), r.lag === null ? null : Math.round(r.lag)]),
  }
}

/** The peer on the lag phase's events, at the same rate (peerPaced). */
export interface PeerPaced {
  events: number
  non2xx: number
  /** The peer's server process per event (ms), from the first post to the last answer. */
  processMsPerEvent: number
  /** The cluster's over the same window (ms per event; our stack is quiet meanwhile, its idle included as in ours). */
  dbMsPerEvent: number
  msPerEvent: number
  /** The cluster's by who spent it (the peer's pool is `stripe-sync-engine`). */
  dbBy: Record<string, number>
  /** Times on a CPU per event: the peer's process (all its threads) and the cluster's processes by who. */
  slicesPerEvent: { process: number; postgres: Record<string, number> }
}

/**
 * The same events at the same rate to the peer (dev/bench/peer.ts), which writes each at its ack and has
 * no queue, sync or workflows: what acknowledging alone costs on this machine at this rate, the context
 * the CPU target's figure is read in.
 */
export async function peerPaced(p: Profile, sql: postgres.Sql, peer: { port: number; path: string; pid: number }, signed: Signed[], rate: number): Promise<PeerPaced> {
  const [cpu0, slices0, db0] = [hostCpuMs(peer.pid), threadsCpuMs(peer.pid, 'slices'), await cpuReading(p, sql)]
  const statuses = await postOnTime(peer.port, peer.path, signed, rate, performance.now())
  const [cpu1, slices1, db1] = [hostCpuMs(peer.pid), threadsCpuMs(peer.pid, 'slices'), await cpuReading(p, sql)]
  const n = signed.length
  const sum = (m: Map<number, number>) => [...m.values()].reduce((a, b) => a + b, 0)
  const [processMs, dbMs] = [(cpu1 - cpu0) / n, (db1.total - db0.total) / n]
  return {
    events: n, non2xx: statuses.filter((s) => s < 200 || s >= 300).length,
    processMsPerEvent: Number(processMs.toFixed(2)), dbMsPerEvent: Number(dbMs.toFixed(2)), msPerEvent: Number((processMs + dbMs).toFixed(2)),
    dbBy: cpuBetween(db0, db1, n),
    slicesPerEvent: { process: Number(((sum(slices1) - sum(slices0)) / n).toFixed(2)), postgres: slicesBetween(db0, db1, n) },
  }
}
