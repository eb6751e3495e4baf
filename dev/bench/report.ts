// `npm run bench`'s output: a table on the terminal, bench-results/<date>.json, and an HTML report whose
// charts are SVG drawn here (no charting dependency); then the eight `name=value` lines, last.
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { describeDurability, type Durability } from './db-stats.ts'
import type { LoadResult } from './http-load.ts'
import type { LagResult, PeerPaced } from './lag.ts'
import type { WarmUp } from './warm-up.ts'
import { perSecond } from './stripe-calls.ts'
import type { SustainResult } from './sustain.ts'
import { bars, lines, page } from './svg.ts'
import type { PhaseUsage } from './usage.ts'

export const TARGET_NAMES = ['ingest_ratio_vs_peer', 'ingest_p99_ms', 'stripe_calls_per_customer', 'customers_per_s_at_100rps', 'lag_p50_ms', 'lag_p99_ms', 'cpu_ms_per_event', 'drain_ratio_to_floor'] as const
type Targets = Record<(typeof TARGET_NAMES)[number], number>

/**
 * One side's CPU per event in an ingest pair (ms): its process (our functions host, the peer's server),
 * the database cluster, and both. Ours runs until its events are synced and their workflows and emails
 * done (ack + sync + workflows); the peer's until its last ack (it writes the payload then, nothing after).
 */
export interface PairCpu {
  processMsPerEvent: number
  dbMsPerEvent: number
  msPerEvent: number
  /** dbMsPerEvent by who spent it (db-stats.ts's cpuBetween): our functions' pools by name, the peer's `stripe-sync-engine`. */
  dbBy: Record<string, number>
  /** The cluster's WAL per event over the same span (bytes). */
  walBytesPerEvent: number
}

export interface BenchResult {
  date: string; quick: boolean; profile: string; cpus: number
  sizes: { customers: number; eventsPerSide: number; pairs: number; concurrency: number }
  /** The cluster's durability settings (a full run requires all on: db-stats.ts's assertDurable). */
  database: Durability
  /** Each side's warm-up before the pairs (not in any figure). */
  warmUp: WarmUp
  pairs: { pair: number; loadAverage: [number, number, number]; ours: LoadResult & { cpu: PairCpu }; peer: LoadResult & { cpu: PairCpu }; ratio: number }[]
  lag: Omit<LagResult, 'cpuMsPerEvent' | 'dbCpuMsPerEvent' | 'dbCpuBy' | 'cpuWindowSeconds' | 'cpuByThread' | 'slicesPerEvent'> & { burst: number; seconds: number }
  /** CPU per lag event, ms (the target): the functions host's and Postgres's (cpu.totalMsPerEvent). */
  cpuMsPerEvent: number
  /**
   * That figure's parts: the functions host's (ack, sync, workflows, emails and background), the window it
   * was read over, the host's idle CPU on a quiet stack and the rest; Postgres's over the same window, and
   * its idle CPU.
   */
  cpu: {
    msPerEvent: number
    dbMsPerEvent: number
    dbIdleMsPerSecond: number
    totalMsPerEvent: number
    windowSeconds: number
    idleMsPerSecond: number
    idleSeconds: number
    idleMsPerEvent: number
    netOfIdleMsPerEvent: number
    /** msPerEvent by the host's thread it ran on (proc-stats.ts's cpuByThread). */
    byThread: Record<string, number>
    /** dbMsPerEvent by who spent it: each function's pool by name, background processes by type (db-stats.ts's cpuBetween). */
    dbBy: Record<string, number>
    /** Times on a CPU per event by host thread and by Postgres connection (lag.ts). */
    slicesPerEvent: LagResult['slicesPerEvent']
    /** A Deno thread's CPU per wake from idle on this machine (wake-floor.ts), over `wakes` wakes. */
    wakeMs: number
    wakes: number
    /** The database's vacuum debt paid before the lag phase (db-stats.ts's payVacuumDebt); null in --quick. */
    vacuumBeforeLag: { tables: number; seconds: number } | null
    /** The tables autovacuum worked on in the lag phase's window, with how many times. */
    autovacuumsInLag: Record<string, number>
    /** The peer on the same events at the same rate (lag.ts's peerPaced): an ack alone, on this machine. */
    peer: PeerPaced
  }
  /** The step search and confirmation run at 25 and 100 req/s. */
  sustain: SustainResult[]
  /** What the functions logged of their usage, and the host's peak RSS, per phase on the stack. */
  usage: Record<string, PhaseUsage>
  /** How long each phase waited for the stack to be quiet before it began (s). */
  quietSeconds: Record<string, number>
  drain: { rateLimit: number; results: { run: string; customers: number; events: number; seconds: number; stripeCalls: number; callsPerCustomer: number; ratioToFloor: number }[]; callStarts: number[] }
  targets: Targets
  /** customers_per_s_at_100rps's run: the rate offered, its length, and whether its lag p99 stayed under 3 s. */
  at100rps: { offered: number; seconds: number; lagP99ms: number; keptUp: boolean }
}

const by = (ms: Record<string, number>) => Object.entries(ms).map(([who, v]) => `${who} ${v}`).join(', ')

function table(r: BenchResult): string {
  const row = (cells: (string | number)[]) => cells.map((c, i) => String(c).padEnd(i === 0 ? 12 : 16)).join(' ')
  const cpu = (c: PairCpu) => `${c.msPerEvent.toFixed(2)} (${c.processMsPerEvent.toFixed(2)}+${c.dbMsPerEvent.toFixed(2)})`
  const out = [describeDurability(r.database), '']
  out.push(row(['pair', 'load avg (1m)', 'ours acks/s', 'peer acks/s', 'ratio', 'ours p99 ms', 'peer p99 ms', 'non-2xx o/p', 'ours CPU ms/ev', 'peer CPU ms/ev']))
  for (const x of r.pairs) {
    out.push(row([x.pair, x.loadAverage[0], x.ours.eventsPerSecond, x.peer.eventsPerSecond, x.ratio, x.ours.p99ms, x.peer.p99ms, `${x.ours.non2xx}/${x.peer.non2xx}`, cpu(x.ours.cpu), cpu(x.peer.cpu)]))
  }
  out.push(`CPU ms/event = process + Postgres: ours ack + sync + workflows + emails (functions host, until quiet), the peer's until its last ack; the Stripe emulator not counted`)
  const d = r.drain.results[0]
  out.push('', `drain: ${d.events} events of ${d.customers} customers in ${d.seconds} s, ${d.stripeCalls} Stripe calls at ${r.drain.rateLimit} req/s`)
  out.push(`lag: ${r.lag.events} events at ${r.lag.rate}/s in bursts of ${r.lag.burst}: p50 ${r.lag.p50ms} ms, p99 ${r.lag.p99ms} ms (${r.lag.processed} processed, ${r.lag.non2xx} non-2xx); WAL ${r.lag.walBytesPerEvent} bytes/event`)
  const c = r.cpu
  out.push(`cpu: ${c.totalMsPerEvent} ms/event = functions host ${c.msPerEvent} + Postgres ${c.dbMsPerEvent}, over ${c.windowSeconds} s (first post to quiet); host idle ${c.idleMsPerSecond} ms/s (over ${c.idleSeconds} s) = ${c.idleMsPerEvent} ms/event of it, ${c.netOfIdleMsPerEvent} above; Postgres idle ${c.dbIdleMsPerSecond} ms/s`)
  out.push(`cpu by thread (ms/event): ${Object.entries(c.byThread).map(([t, ms]) => `${t} ${ms}`).join('; ')}; a Deno thread's wake from idle costs ${c.wakeMs} ms here (${c.wakes} timer wakes)`)
  out.push(`the peer on the same events at ${r.lag.rate}/s (an ack alone): ${c.peer.msPerEvent} ms/event = its process ${c.peer.processMsPerEvent} + Postgres ${c.peer.dbMsPerEvent} (${by(c.peer.dbBy)}); times on a CPU per event: its process ${c.peer.slicesPerEvent.process}, Postgres ${by(c.peer.slicesPerEvent.postgres)}; ${c.peer.non2xx} non-2xx`)
  out.push(`Postgres cpu by connection (ms/event): ${by(c.dbBy)}`)
  out.push(`times on a CPU per event (wake-ups and returns after preemption): host ${by(c.slicesPerEvent.host)}; Postgres ${by(c.slicesPerEvent.postgres)}`)
  for (const x of r.pairs) {
    out.push(`ingest pair ${x.pair}, Postgres cpu by connection (ms/event): ours ${by(x.ours.cpu.dbBy)}; peer ${by(x.peer.cpu.dbBy)}; WAL bytes/event: ours ${x.ours.cpu.walBytesPerEvent}, peer ${x.peer.cpu.walBytesPerEvent}`)
  }
  for (const s of r.sustain) {
    out.push(`sustain at ${s.rps} req/s: steps ${s.steps.map((x) => `${x.rate}/s ${x.keptUp ? 'ok' : `behind (p99 ${x.p99ms} ms, ${x.processed}/${x.events})`}`).join(', ')}`)
    for (const x of s.confirmations) {
      out.push(`  ${x.rate} customers/s for ${x.seconds} s (load ${x.loadAverage[0]}): ${x.processedPerSecond}/s processed, lag p50 ${x.p50ms} ms, p99 ${x.p99ms} ms, ${x.processed}/${x.events} processed, ${x.non2xx} non-2xx, Stripe ${x.stripeCalls.mean} calls/s (max ${x.stripeCalls.max}) of ${s.rps}: ${x.keptUp ? 'kept up' : 'fell behind'}`)
    }
  }
  out.push('', row(['phase', 'function', 'usage lines', 'heap p50 MB', 'heap max MB', 'host peak RSS MB', 'stopped by']))
  for (const [phase, u] of Object.entries(r.usage)) {
    const fns = Object.entries(u.functions)
    if (fns.length === 0) out.push(row([phase, '(none logged)', '', '', '', u.hostPeakRssMb, '']))
    for (const [name, f] of fns) out.push(row([phase, name, f.lines, f.heapPeakMb.p50 ?? '-', f.heapPeakMb.max ?? '-', u.hostPeakRssMb, Object.entries(f.stoppedBy).map(([k, v]) => `${k} ${v}`).join(' ')]))
  }
  out.push(`waited for quiet (s): ${Object.entries(r.quietSeconds).map(([k, v]) => `${k} ${v}`).join(', ')}`)
  return out.join('\n')
}

/** What `ms` holds outside the named keys. */
const rest = (ms: Record<string, number>, named: string[]) => Number(Object.entries(ms).reduce((n, [k, v]) => n + (named.includes(k) ? 0 : v), 0).toFixed(3))
const sum = (ms: Record<string, number>, keys: string[]) => Number(keys.reduce((n, k) => n + (ms[k] ?? 0), 0).toFixed(3))
const gatewayThread = (host: Record<string, number>) => Object.keys(host).filter((k) => k.startsWith('gateway'))
/** The lag chart's places (short labels: the chart's groups), each read from a host figure and a Postgres one. */
const LAG_PLACES: { label: string; of: (host: Record<string, number>, pg: Record<string, number>) => number }[] = [
  { label: 'gateway thread', of: (host) => sum(host, gatewayThread(host)) },
  { label: 'sync thread', of: (host) => host['stripe-sync'] ?? 0 },
  { label: 'other threads', of: (host) => rest(host, [...gatewayThread(host), 'stripe-sync']) },
  { label: 'pg webhook', of: (_, pg) => pg['stripe-webhook'] ?? 0 },
  { label: 'pg sync', of: (_, pg) => pg['stripe-sync'] ?? 0 },
  { label: 'pg limiter', of: (_, pg) => pg['stripe-rate-limiter'] ?? 0 },
  { label: 'pg other', of: (_, pg) => rest(pg, ['stripe-webhook', 'stripe-sync', 'stripe-rate-limiter']) },
]

function html(r: BenchResult): string {
  const labels = r.pairs.map((x) => `pair ${x.pair} (load ${x.loadAverage[0]})`)
  const confirmed = r.sustain.map((s) => ({ s, x: s.confirmed }))
  return page(`Bench ${r.date}`, [
    `<p>${r.quick ? 'Quick (smoke) run: sizes too small for the figures to mean anything. ' : ''}${r.cpus} CPUs; ${r.sizes.eventsPerSide} events per side per pair, concurrency ${r.sizes.concurrency}, ${r.sizes.customers} customers; Postgres with fsync ${r.database.fsync}, synchronous_commit ${r.database.synchronous_commit}.</p>`,
    bars('Webhook acks/s per pair', labels, [{ name: 'ours', values: r.pairs.map((x) => x.ours.eventsPerSecond) }, { name: 'peer', values: r.pairs.map((x) => x.peer.eventsPerSecond) }]),
    bars('CPU per event per pair (ms), process + Postgres; ours until synced, workflows and emails done', labels, [
      { name: 'ours', values: r.pairs.map((x) => x.ours.cpu.msPerEvent) }, { name: 'peer', values: r.pairs.map((x) => x.peer.cpu.msPerEvent) },
    ]),
    bars('Postgres CPU per event per pair (ms), by connection: ours until quiet, the peer\'s until its last ack', labels, [
      { name: 'our webhook', values: r.pairs.map((x) => x.ours.cpu.dbBy['stripe-webhook'] ?? 0) },
      { name: 'our sync', values: r.pairs.map((x) => (x.ours.cpu.dbBy['stripe-sync'] ?? 0) + (x.ours.cpu.dbBy['stripe-rate-limiter'] ?? 0)) },
      { name: 'our rest', values: r.pairs.map((x) => rest(x.ours.cpu.dbBy, ['stripe-webhook', 'stripe-sync', 'stripe-rate-limiter'])) },
      { name: 'peer (all)', values: r.pairs.map((x) => x.peer.cpu.dbMsPerEvent) },
    ]),
    bars(`Lag (${r.lag.rate}/s), per event: CPU ms and times on a CPU (one wake: ${r.cpu.wakeMs} ms CPU)`, LAG_PLACES.map((x) => x.label), [
      { name: 'CPU ms', values: LAG_PLACES.map((x) => x.of(r.cpu.byThread, r.cpu.dbBy)) },
      { name: 'times on a CPU', values: LAG_PLACES.map((x) => x.of(r.cpu.slicesPerEvent.host, r.cpu.slicesPerEvent.postgres)) },
    ]),
    bars(`CPU per event at ${r.lag.rate} events/s on the same events (ms): ours ack + sync + workflows until quiet, the peer's ack alone`, ['process', 'Postgres', 'both'], [
      { name: 'ours', values: [r.cpu.msPerEvent, r.cpu.dbMsPerEvent, r.cpu.totalMsPerEvent] },
      { name: 'peer', values: [r.cpu.peer.processMsPerEvent, r.cpu.peer.dbMsPerEvent, r.cpu.peer.msPerEvent] },
    ]),
    bars('Ack latency per pair (ms)', labels, [
      { name: 'ours p50', values: r.pairs.map((x) => x.ours.p50ms) }, { name: 'peer p50', values: r.pairs.map((x) => x.peer.p50ms) },
      { name: 'ours p99', values: r.pairs.map((x) => x.ours.p99ms) }, { name: 'peer p99', values: r.pairs.map((x) => x.peer.p99ms) },
    ]),
    lines(`Lag (receipt → processed, ms) by arrival time (s), ${r.lag.rate} events/s in bursts of ${r.lag.burst}`, [{ name: 'lag', points: r.lag.series.filter((s): s is [number, number] => s[1] !== null) }], { dots: true }),
    lines(
      `Lag (ms) by arrival time (s), one distinct customer per event, the confirmed sustained rates`,
      confirmed.map(({ s, x }) => ({ name: `${x.rate}/s at ${s.rps} req/s`, points: x.series.filter((p): p is [number, number] => p[1] !== null) })),
      { dots: true },
    ),
    lines(
      'Stripe calls per second in the confirmed sustained runs, against their buckets',
      confirmed.flatMap(({ s, x }) => [
        { name: `calls/s at ${s.rps}`, points: x.stripeCalls.series },
        { name: `bucket ${s.rps}`, points: [[0, s.rps], [Math.max(1, x.stripeCalls.series.length - 1), s.rps]] as [number, number][] },
      ]),
    ),
    lines(`Stripe calls per second in the drain against the bucket (${r.drain.rateLimit} req/s)`, [{ name: 'calls/s', points: perSecond(r.drain.callStarts) }, { name: 'bucket', points: [[0, r.drain.rateLimit], [Math.max(1, perSecond(r.drain.callStarts).length - 1), r.drain.rateLimit]] }]),
    `<h2>Pairs, drain, lag, CPU, sustained rates, memory</h2><pre>${table(r).replace(/&/g, '&amp;').replace(/</g, '&lt;')}</pre>`,
    `<h2>Targets (medians of the pairs)</h2><pre>${TARGET_NAMES.map((n) => `${n}=${r.targets[n]}`).join('\n')}</pre>`,
  ])
}

/** Writes the JSON and HTML, prints the table; returns the eight closing lines for the caller to print last. */
export function writeReport(dir: string, r: BenchResult): string[] {
  const stem = path.join(dir, r.date.replace(/[:.]/g, '-'))
  writeFileSync(`${stem}.json`, JSON.stringify(r, null, 2) + '\n')
  writeFileSync(`${stem}.html`, html(r))
  console.log(`\n${table(r)}\n\nwrote ${path.relative(process.cwd(), stem)}.json and .html\n`)
  return TARGET_NAMES.map((n) => `${n}=${r.targets[n]}`)
}
