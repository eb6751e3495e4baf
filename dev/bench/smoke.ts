// `npm test`'s check of `npm run bench -- --quick`: it runs on a profile of its own and ends with the
// eight target lines, in order, each a finite number; and the JSON it wrote has the figures the README
// describes (CPU, its idle part, its split by thread and a wake's cost, each side's CPU per event in the
// ingest pairs, the sustained step search and confirmation, memory per phase). Its shape, not its speed.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { ROOT } from '../stack/config.ts'
import { DURABILITY_SETTINGS } from '../stack/postgres.ts'
import { run } from '../stack/proc.ts'
import { TARGET_NAMES } from './report.ts'

/** The problems with a bench output's closing lines (none: the shape is right). */
export function closingProblems(stdout: string): string[] {
  const last = stdout.trimEnd().split('\n').slice(-TARGET_NAMES.length)
  return TARGET_NAMES.flatMap((name, i) => {
    const m = new RegExp(`^${name}=(.+)$`).exec(last[i] ?? '')
    if (!m) return [`line ${i + 1} of the last ${TARGET_NAMES.length} is not ${name}=<x>: ${JSON.stringify(last[i] ?? '')}`]
    return Number.isFinite(Number(m[1])) ? [] : [`${name} is not a number: ${m[1]}`]
  })
}

const num = (v: unknown) => typeof v === 'number' && Number.isFinite(v)
const numOrNull = (v: unknown) => v === null || num(v)

/** The problems with a bench result's JSON (none: the shape is right). */
export function resultProblems(r: any): string[] {
  const out: string[] = []
  const need = (ok: boolean, what: string) => void (ok || out.push(what))
  for (const k of ['msPerEvent', 'dbMsPerEvent', 'totalMsPerEvent', 'windowSeconds', 'idleMsPerSecond', 'dbIdleMsPerSecond', 'idleMsPerEvent', 'netOfIdleMsPerEvent', 'wakeMs']) need(num(r?.cpu?.[k]), `cpu.${k} is not a number`)
  // Where the host's CPU went: the gateway's thread (the webhook runs there) and stripe-sync's worker by name.
  const threads = Object.keys(r?.cpu?.byThread ?? {})
  need(threads.some((t) => t.startsWith('gateway')) && threads.includes('stripe-sync') && Object.values(r.cpu.byThread).every(num), 'cpu.byThread lacks the gateway or stripe-sync')
  // Postgres's CPU by connection: the webhook's and the sync's pools by name (_shared/db.ts names them).
  const dbBy = r?.cpu?.dbBy ?? {}
  need(dbBy['stripe-webhook'] > 0 && dbBy['stripe-sync'] > 0 && Object.values(dbBy).every(num), 'cpu.dbBy lacks stripe-webhook or stripe-sync')
  // The lag's WAL per event: every event is recorded and mirrored, so never none.
  need(r?.lag?.walBytesPerEvent > 0, 'lag.walBytesPerEvent is not a positive number')
  // How many times each was put on a CPU per event: the gateway's thread, and the webhook's connections.
  const slices = r?.cpu?.slicesPerEvent
  need(Object.keys(slices?.host ?? {}).some((t) => t.startsWith('gateway')) && slices?.postgres?.['stripe-webhook'] > 0, 'cpu.slicesPerEvent lacks the gateway or stripe-webhook')
  // The peer on the lag's events at the lag's rate: its process and Postgres, and its pool's connections by name.
  const peer = r?.cpu?.peer
  need(['processMsPerEvent', 'dbMsPerEvent', 'msPerEvent'].every((k) => num(peer?.[k])) && peer?.dbBy?.['stripe-sync-engine'] > 0 && num(peer?.slicesPerEvent?.process) && peer?.non2xx === 0, "cpu.peer lacks the peer's CPU at the lag rate, or it refused events")
  // Each side's CPU per event in every ingest pair: the process, Postgres (and by connection), and both.
  const pairCpu = (c: any) => ['processMsPerEvent', 'dbMsPerEvent', 'msPerEvent', 'walBytesPerEvent'].every((k) => num(c?.[k])) && Object.values(c?.dbBy ?? [NaN]).every(num)
  need(Array.isArray(r?.pairs) && r.pairs.length > 0 && r.pairs.every((x: any) => pairCpu(x?.ours?.cpu) && pairCpu(x?.peer?.cpu)), 'a pair lacks ours or the peer\'s CPU per event')
  // The database's durability, which a full run requires on (a quick one, under npm test, runs without).
  need(DURABILITY_SETTINGS.every((k) => ['on', 'off'].includes(r?.database?.[k])), 'database lacks its durability settings')
  // Both sides warmed up as the pairs post, and every warm-up event acknowledged.
  need(num(r?.warmUp?.eventsPerSide) && r.warmUp.ours?.non2xx === 0 && r.warmUp.peer?.non2xx === 0 && num(r.warmUp.ours?.eventsPerSecond) && num(r.warmUp.peer?.eventsPerSecond), 'warmUp lacks its size, or a side\'s rate, or had non-2xx')
  need(JSON.stringify((r?.sustain ?? []).map((s: any) => s?.rps)) === '[25,100]', 'sustain is not one entry at 25 and one at 100 req/s')
  for (const s of r?.sustain ?? []) {
    need(Array.isArray(s?.steps) && s.steps.length > 0 && s.steps.every((x: any) => num(x?.rate) && typeof x?.keptUp === 'boolean'), `sustain ${s?.rps}: steps without a rate and keptUp`)
    need(Array.isArray(s?.confirmations) && s.confirmations.length >= 1 && s.confirmations.length <= 2, `sustain ${s?.rps}: not one or two confirmation runs`)
    const c = s?.confirmed
    need(num(c?.processedPerSecond) && num(c?.p99ms) && num(c?.seconds) && typeof c?.keptUp === 'boolean', `sustain ${s?.rps}: the confirmed run lacks its rate, lag, length or keptUp`)
    need(num(c?.stripeCalls?.calls) && num(c?.stripeCalls?.mean) && Array.isArray(c?.stripeCalls?.series), `sustain ${s?.rps}: the confirmed run lacks its Stripe calls`)
  }
  need(typeof r?.at100rps?.keptUp === 'boolean' && num(r?.at100rps?.lagP99ms), 'at100rps lacks keptUp or lagP99ms')
  for (const phase of ['lag', 'sustain 25', 'sustain 100', 'ingest']) {
    const u = r?.usage?.[phase]
    need(num(u?.hostPeakRssMb), `usage.${phase}.hostPeakRssMb is not a number`)
    for (const [name, f] of Object.entries<any>(u?.functions ?? {})) {
      need(num(f?.lines) && numOrNull(f?.heapPeakMb?.p50) && numOrNull(f?.heapPeakMb?.max), `usage.${phase}.${name}: lines or heapPeakMb p50/max missing`)
    }
  }
  // A stripe-sync invocation logs its line when it ends, which can be after a short phase: some phase has one.
  need(Object.values<any>(r?.usage ?? {}).some((u) => u?.functions?.['stripe-sync'] !== undefined), 'no phase has stripe-sync usage lines')
  return out
}

/** The charts the HTML report must draw (the issue's, and where the CPU goes), by a phrase of each title. */
const CHARTS = ['Webhook acks/s per pair', 'Ack latency per pair', 'Postgres CPU per event per pair', 'times on a CPU', 'events/s on the same events', 'Lag (receipt', 'Stripe calls per second in the drain']

/** The problems with the HTML report (none: every chart is there, each an SVG figure). */
export function htmlProblems(html: string): string[] {
  const figures = [...html.matchAll(/<figure><svg[^>]*aria-label="([^"]*)"/g)].map((m) => m[1])
  return CHARTS.filter((c) => !figures.some((f) => f.includes(c))).map((c) => `the HTML report lacks the chart "${c}"`)
}

export async function benchSmoke(profileName: string): Promise<{ passed: number; failed: number }> {
  const r = await run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'dev/bench/run.ts'), '--quick'], { cwd: ROOT, env: { ...process.env, BENCH_PROFILE: profileName } })
  process.stdout.write(r.stdout.split('\n').slice(-20).join('\n') + '\n')
  const json = /wrote (\S+)\.json and \.html/.exec(r.stdout)?.[1]
  const problems = r.code !== 0
    ? [`exited ${r.code}: ${r.stderr.slice(-2000)}`]
    : [
      ...closingProblems(r.stdout),
      ...(json
        ? [...resultProblems(JSON.parse(readFileSync(path.resolve(ROOT, `${json}.json`), 'utf8'))), ...htmlProblems(readFileSync(path.resolve(ROOT, `${json}.html`), 'utf8'))]
        : ['no "wrote <file>.json" line']),
    ]
  for (const p of problems) process.stdout.write(`bench smoke: ${p}\n`)
  return problems.length === 0 ? { passed: 1, failed: 0 } : { passed: 0, failed: 1 }
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const r = await benchSmoke(process.argv[2] ?? 'bench-smoke')
  process.exit(r.failed ? 1 : 0)
}
