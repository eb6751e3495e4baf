// `npm run bench`'s output: a table on the terminal, bench-results/<date>.json, and an HTML report whose
// charts are SVG drawn here (no charting dependency); then the eight `name=value` lines, last.
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import type { LoadResult } from './http-load.ts'
import type { LagResult } from './lag.ts'
import { bars, lines, page } from './svg.ts'

export const TARGET_NAMES = ['ingest_ratio_vs_peer', 'ingest_p99_ms', 'stripe_calls_per_customer', 'customers_per_s_at_100rps', 'lag_p50_ms', 'lag_p99_ms', 'cpu_ms_per_event', 'drain_ratio_to_floor'] as const
type Targets = Record<(typeof TARGET_NAMES)[number], number>

export interface BenchResult {
  date: string; quick: boolean; profile: string; cpus: number
  sizes: { customers: number; eventsPerSide: number; pairs: number; concurrency: number }
  pairs: { pair: number; loadAverage: [number, number, number]; ours: LoadResult; peer: LoadResult; ratio: number }[]
  lag: Omit<LagResult, 'cpuMsPerEvent'> & { burst: number; seconds: number }
  cpuMsPerEvent: number
  /** One distinct customer per event at 90% of the bucket, at 25 and 100 req/s. */
  sustain: (LagResult & { rps: number; seconds: number; loadAverage: [number, number, number] })[]
  drain: { rateLimit: number; results: { run: string; customers: number; events: number; seconds: number; stripeCalls: number; callsPerCustomer: number; ratioToFloor: number }[]; callStarts: number[] }
  targets: Targets
}

/** Calls started in each whole second of the drain. */
function perSecond(starts: number[]): [number, number][] {
  const counts = new Map<number, number>()
  for (const s of starts) counts.set(Math.floor(s / 1000), (counts.get(Math.floor(s / 1000)) ?? 0) + 1)
  const last = Math.max(0, ...counts.keys())
  return Array.from({ length: last + 1 }, (_, s) => [s, counts.get(s) ?? 0])
}

function table(r: BenchResult): string {
  const row = (cells: (string | number)[]) => cells.map((c, i) => String(c).padEnd(i === 0 ? 8 : 16)).join('')
  const out = [row(['pair', 'load avg (1m)', 'ours acks/s', 'peer acks/s', 'ratio', 'ours p99 ms', 'peer p99 ms', 'non-2xx o/p'])]
  for (const x of r.pairs) out.push(row([x.pair, x.loadAverage[0], x.ours.eventsPerSecond, x.peer.eventsPerSecond, x.ratio, x.ours.p99ms, x.peer.p99ms, `${x.ours.non2xx}/${x.peer.non2xx}`]))
  const d = r.drain.results[0]
  out.push('', `drain: ${d.events} events of ${d.customers} customers in ${d.seconds} s, ${d.stripeCalls} Stripe calls at ${r.drain.rateLimit} req/s`)
  out.push(`lag: ${r.lag.events} events at ${r.lag.rate}/s in bursts of ${r.lag.burst}: p50 ${r.lag.p50ms} ms, p99 ${r.lag.p99ms} ms (${r.lag.processed} processed, ${r.lag.non2xx} non-2xx), host CPU ${r.cpuMsPerEvent} ms/event`)
  for (const x of r.sustain) {
    out.push(`sustain at ${x.rps} req/s (load ${x.loadAverage[0]}): ${x.rate} customers/s offered for ${x.seconds} s, ${x.processedPerSecond}/s processed, lag p50 ${x.p50ms} ms, p99 ${x.p99ms} ms (${x.processed}/${x.events} processed, ${x.non2xx} non-2xx)`)
  }
  return out.join('\n')
}

function html(r: BenchResult): string {
  const labels = r.pairs.map((x) => `pair ${x.pair} (load ${x.loadAverage[0]})`)
  return page(`Bench ${r.date}`, [
    `<p>${r.quick ? 'Quick (smoke) run: sizes too small for the figures to mean anything. ' : ''}${r.cpus} CPUs; ${r.sizes.eventsPerSide} events per side per pair, concurrency ${r.sizes.concurrency}, ${r.sizes.customers} customers.</p>`,
    bars('Webhook acks/s per pair', labels, [{ name: 'ours', values: r.pairs.map((x) => x.ours.eventsPerSecond) }, { name: 'peer', values: r.pairs.map((x) => x.peer.eventsPerSecond) }]),
    bars('Ack latency per pair (ms)', labels, [
      { name: 'ours p50', values: r.pairs.map((x) => x.ours.p50ms) }, { name: 'peer p50', values: r.pairs.map((x) => x.peer.p50ms) },
      { name: 'ours p99', values: r.pairs.map((x) => x.ours.p99ms) }, { name: 'peer p99', values: r.pairs.map((x) => x.peer.p99ms) },
    ]),
    lines(`Lag (receipt → processed, ms) by arrival time (s), ${r.lag.rate} events/s in bursts of ${r.lag.burst}`, [{ name: 'lag', points: r.lag.series.filter((s): s is [number, number] => s[1] !== null) }], { dots: true }),
    lines(
      `Lag (ms) by arrival time (s), one distinct customer per event at 90% of the Stripe limit`,
      r.sustain.map((x) => ({ name: `${x.rate}/s at ${x.rps} req/s`, points: x.series.filter((s): s is [number, number] => s[1] !== null) })),
      { dots: true },
    ),
    lines(`Stripe calls per second in the drain against the bucket (${r.drain.rateLimit} req/s)`, [{ name: 'calls/s', points: perSecond(r.drain.callStarts) }, { name: 'bucket', points: [[0, r.drain.rateLimit], [Math.max(1, perSecond(r.drain.callStarts).length - 1), r.drain.rateLimit]] }]),
    `<h2>Pairs, drain, lag</h2><pre>${table(r).replace(/&/g, '&amp;').replace(/</g, '&lt;')}</pre>`,
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
