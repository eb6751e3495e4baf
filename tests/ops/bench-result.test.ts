// The check `npm test` applies to the JSON `npm run bench -- --quick` writes (the database's durability,
// CPU and its idle part, each side's warm-up and CPU per event in the ingest pairs, the sustained step
// search and confirmation, memory per phase), the full bench's refusal of a database without durability,
// and how the bench reads the functions' usage lines. (The smoke step runs the quick bench; this pins what
// the check accepts and refuses.)
import { describe, expect, it } from 'vitest'
import { assertDurable } from '../../dev/bench/db-stats.ts'
import { resultProblems } from '../../dev/bench/smoke.ts'
import { keptUp } from '../../dev/bench/sustain.ts'
import { summarizeUsage } from '../../dev/bench/usage.ts'

const run = (rate: number, keptUp: boolean) => ({ rate, seconds: 20, processedPerSecond: rate, p99ms: keptUp ? 900 : 5000, keptUp, stripeCalls: { calls: 10, customers: 8, mean: 1.2, max: 3, series: [[0, 1]] } })
const phase = () => ({ functions: { 'stripe-sync': { lines: 3, heapPeakMb: { p50: 40.1, max: 52 }, cpuMs: { p50: 80, max: 300 }, stoppedBy: { empty: 3 }, triggers: { webhook: 3 } } }, hostPeakRssMb: 250, hostPeakRssPerPhase: true })
const good = () => ({
  database: { fsync: 'on', synchronous_commit: 'on', full_page_writes: 'on' },
  cpu: {
    msPerEvent: 4, dbMsPerEvent: 1.5, dbIdleMsPerSecond: 2.7, totalMsPerEvent: 5.5, windowSeconds: 35, idleMsPerSecond: 2, idleSeconds: 20, idleMsPerEvent: 0.05, netOfIdleMsPerEvent: 3.95,
    byThread: { 'gateway + stripe-webhook': 1.9, 'stripe-sync': 1.8, 'other threads': 0.3 }, wakeMs: 0.31, wakes: 300,
    dbBy: { 'stripe-webhook': 0.7, 'stripe-sync': 0.6, 'stripe-rate-limiter': 0.1, walwriter: 0.05, 'ended or postmaster': 0.05 },
    slicesPerEvent: { host: { 'gateway + stripe-webhook': 2.2, 'stripe-sync': 1.6 }, postgres: { 'stripe-webhook': 4, 'stripe-sync': 2.7 } },
    peer: { events: 1500, non2xx: 0, processMsPerEvent: 0.5, dbMsPerEvent: 0.6, msPerEvent: 1.1, dbBy: { 'stripe-sync-engine': 0.5, walwriter: 0.05 }, slicesPerEvent: { process: 2.1, postgres: { 'stripe-sync-engine': 3.1 } } },
  },
  lag: { walBytesPerEvent: 2100 },
  warmUp: { eventsPerSide: 2000, ours: { eventsPerSecond: 3100, non2xx: 0 }, peer: { eventsPerSecond: 2000, non2xx: 0 } },
  pairs: [1, 2, 3].map((pair) => ({ pair, ours: { cpu: { processMsPerEvent: 0.6, dbMsPerEvent: 0.4, msPerEvent: 1, dbBy: { 'stripe-webhook': 0.3, 'stripe-sync': 0.1 }, walBytesPerEvent: 1800 } }, peer: { cpu: { processMsPerEvent: 0.5, dbMsPerEvent: 0.3, msPerEvent: 0.8, dbBy: { 'stripe-sync-engine': 0.3 }, walBytesPerEvent: 2600 } } })),
  sustain: [25, 100].map((rps) => ({ rps, steps: [run(rps * 0.4, true), run(rps * 0.55, false)], confirmations: [run(rps * 0.4, true)], confirmed: run(rps * 0.4, true) })),
  at100rps: { offered: 40, seconds: 120, lagP99ms: 900, keptUp: true },
  usage: { lag: phase(), 'sustain 25': phase(), 'sustain 100': phase(), ingest: { functions: {}, hostPeakRssMb: 260, hostPeakRssPerPhase: false } },
})

describe('bench result shape', () => {
  it('accepts a result with every figure', () => {
    expect(resultProblems(good())).toEqual([])
  })

  it('names what is missing or malformed', () => {
    const r: any = good()
    delete r.cpu.idleMsPerSecond
    delete r.cpu.dbMsPerEvent
    delete r.cpu.byThread['stripe-sync']
    delete r.cpu.dbBy['stripe-webhook']
    r.lag.walBytesPerEvent = 0
    r.cpu.slicesPerEvent.postgres = {}
    r.cpu.wakeMs = null
    r.sustain[1].confirmed.keptUp = 'yes'
    r.usage.lag.functions['stripe-sync'].heapPeakMb.max = 'big'
    delete r.usage.ingest
    expect(resultProblems(r)).toEqual([
      'cpu.dbMsPerEvent is not a number',
      'cpu.idleMsPerSecond is not a number',
      'cpu.wakeMs is not a number',
      'cpu.byThread lacks the gateway or stripe-sync',
      'cpu.dbBy lacks stripe-webhook or stripe-sync',
      'lag.walBytesPerEvent is not a positive number',
      'cpu.slicesPerEvent lacks the gateway or stripe-webhook',
      'sustain 100: the confirmed run lacks its rate, lag, length or keptUp',
      'usage.lag.stripe-sync: lines or heapPeakMb p50/max missing',
      'usage.ingest.hostPeakRssMb is not a number',
    ])
  })

  it("refuses a result without the peer's CPU at the lag rate, or one where the peer refused events", () => {
    const r: any = good()
    const problem = "cpu.peer lacks the peer's CPU at the lag rate, or it refused events"
    r.cpu.peer.non2xx = 3
    expect(resultProblems(r)).toEqual([problem])
    r.cpu.peer.non2xx = 0
    delete r.cpu.peer.dbBy['stripe-sync-engine']
    expect(resultProblems(r)).toEqual([problem])
    r.cpu.peer.dbBy['stripe-sync-engine'] = 0.5
    r.cpu.peer.msPerEvent = null
    expect(resultProblems(r)).toEqual([problem])
    delete r.cpu.peer
    expect(resultProblems(r)).toEqual([problem])
  })

  it("refuses ingest pairs without ours' or the peer's CPU per event, or no pairs", () => {
    const r: any = good()
    delete r.pairs[1].peer.cpu.dbMsPerEvent
    expect(resultProblems(r)).toEqual(["a pair lacks ours or the peer's CPU per event"])
    r.pairs[1].peer.cpu.dbMsPerEvent = 0.3
    delete r.pairs[0].ours.cpu.dbBy
    expect(resultProblems(r)).toEqual(["a pair lacks ours or the peer's CPU per event"])
    r.pairs[0].ours.cpu.dbBy = { 'stripe-webhook': 0.3 }
    expect(resultProblems(r)).toEqual([])
    r.pairs[2].ours.cpu = undefined
    expect(resultProblems(r)).toEqual(["a pair lacks ours or the peer's CPU per event"])
    r.pairs = []
    expect(resultProblems(r)).toEqual(["a pair lacks ours or the peer's CPU per event"])
  })

  it('refuses a result without both sides\' warm-up, or one with a warm-up event refused', () => {
    const r: any = good()
    delete r.warmUp.peer
    expect(resultProblems(r)).toEqual(["warmUp lacks its size, or a side's rate, or had non-2xx"])
    r.warmUp.peer = { eventsPerSecond: 2000, non2xx: 0 }
    r.warmUp.ours.non2xx = 2
    expect(resultProblems(r)).toEqual(["warmUp lacks its size, or a side's rate, or had non-2xx"])
    delete r.warmUp
    expect(resultProblems(r)).toEqual(["warmUp lacks its size, or a side's rate, or had non-2xx"])
  })

  it("refuses a result without the database's durability settings", () => {
    const r: any = good()
    r.database.synchronous_commit = 'off'
    expect(resultProblems(r)).toEqual([])
    delete r.database.fsync
    expect(resultProblems(r)).toEqual(['database lacks its durability settings'])
    delete r.database
    expect(resultProblems(r)).toEqual(['database lacks its durability settings'])
  })

  it('refuses sustained runs at other limits, no steps, no Stripe calls, and no phase with stripe-sync lines', () => {
    const r: any = good()
    r.sustain[0].rps = 50
    r.sustain[1].steps = []
    delete r.sustain[1].confirmed.stripeCalls
    r.usage.lag.functions = {}
    expect(resultProblems(r)).toEqual([
      'sustain is not one entry at 25 and one at 100 req/s',
      'sustain 100: steps without a rate and keptUp',
      'sustain 100: the confirmed run lacks its Stripe calls',
    ])
    for (const u of Object.values<any>(r.usage)) u.functions = {}
    expect(resultProblems(r)).toEqual([
      'sustain is not one entry at 25 and one at 100 req/s',
      'sustain 100: steps without a rate and keptUp',
      'sustain 100: the confirmed run lacks its Stripe calls',
      'no phase has stripe-sync usage lines',
    ])
  })
})

describe('a full bench on a database without durability', () => {
  it('refuses to run, naming each setting that is off', () => {
    expect(() => assertDurable({ fsync: 'on', synchronous_commit: 'on', full_page_writes: 'on' })).not.toThrow()
    expect(() => assertDurable({ fsync: 'off', synchronous_commit: 'off', full_page_writes: 'on' }))
      .toThrow('the bench needs a durable database (fsync = off, synchronous_commit = off): unset STACK_DISPOSABLE')
    expect(() => assertDurable({ fsync: 'on', synchronous_commit: 'local', full_page_writes: 'on' })).toThrow(/synchronous_commit = local/)
  })
})

describe('functions usage lines', () => {
  it('summarizes each function\'s usage lines (heap p50 and max, stop reasons) and skips the rest', () => {
    const log = [
      'stripe-sync usage {"trigger":"webhook","mode":"drain","stoppedBy":"empty","cpuMs":100,"heapPeakMb":40}',
      'workflows: run 1 (invoice-paid) will retry',
      'stripe-sync usage {"trigger":"self","mode":"drain","stoppedBy":"cpu","cpuMs":900,"heapPeakMb":60.5}',
      'stripe-sync usage {"trigger":"webhook","mode":"drain","stoppedBy":"empty","cpuMs":50,"heapPeakMb":null}',
      'stripe-webhook usage {"requests":500,"heapPeakMb":30}',
      'stripe-sync usage {not json',
    ].join('\n')
    expect(summarizeUsage(log)).toEqual({
      'stripe-sync': { lines: 3, heapPeakMb: { p50: 60.5, max: 60.5 }, cpuMs: { p50: 100, max: 900 }, stoppedBy: { empty: 2, cpu: 1 }, triggers: { webhook: 2, self: 1 } },
      'stripe-webhook': { lines: 1, heapPeakMb: { p50: 30, max: 30 }, cpuMs: { p50: null, max: null }, stoppedBy: {}, triggers: {} },
    })
  })
})

describe('a sustained rate kept up with', () => {
  const r = { events: 100, processed: 100, non2xx: 0, p99ms: 2_999 } as Parameters<typeof keptUp>[0]
  it('is every event processed, none refused, lag p99 under 3 s', () => {
    expect(keptUp(r)).toBe(true)
    expect(keptUp({ ...r, p99ms: 3_000 })).toBe(false)
    expect(keptUp({ ...r, processed: 99 })).toBe(false)
    expect(keptUp({ ...r, non2xx: 1 })).toBe(false)
  })
})
