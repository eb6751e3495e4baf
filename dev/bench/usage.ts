// What the functions spent over one bench phase, from what they log: each `<function> usage {json}`
// line of the functions log (stripe-sync writes one per invocation, with its peak V8 heap), summed up per
// function; and the functions host's peak RSS over the phase (/proc VmHWM), which is every function
// together with Deno itself: the only memory figure for a function that logs none.
import { readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import type { Profile } from '../stack/config.ts'
import { functionsHostPid, hostPeakRssMb, resetPeakRss } from './proc-stats.ts'

const pct = (xs: number[], q: number) => xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] : null

export interface FunctionUsage {
  /** Usage lines logged over the phase (stripe-sync: one per invocation). */
  lines: number
  /** Peak V8 heap per line (MB): the median and the largest. */
  heapPeakMb: { p50: number | null; max: number | null }
  /** CPU per line as the function measured it (ms), where it logs one. */
  cpuMs: { p50: number | null; max: number | null }
  /** Why invocations stopped (stripe-sync: empty, cpu, budget), counted. */
  stoppedBy: Record<string, number>
  /** What started them (stripe-sync: webhook, self, cron, returned), counted. */
  triggers: Record<string, number>
}

export interface PhaseUsage {
  functions: Record<string, FunctionUsage>
  /** The functions host's peak resident memory over the phase (MB): all functions and Deno together. */
  hostPeakRssMb: number
  /** False when the kernel refused a fresh peak count: hostPeakRssMb is then the peak since the host started. */
  hostPeakRssPerPhase: boolean
  /** The phase's bytes of the functions log ([from, to)), to read its lines again. */
  logBytes: [number, number]
}

type Line = { heapPeakMb?: number | null; cpuMs?: number; stoppedBy?: string; trigger?: string | null }

/** Summarizes `<name> usage {json}` lines (other lines are skipped). */
export function summarizeUsage(log: string): Record<string, FunctionUsage> {
  const by = new Map<string, Line[]>()
  for (const l of log.split('\n')) {
    const m = /^([a-z][a-z0-9-]*) usage (\{.*\})\s*$/.exec(l)
    if (!m) continue
    let parsed: Line
    try {
      parsed = JSON.parse(m[2])
    } catch {
      continue
    }
    by.set(m[1], [...(by.get(m[1]) ?? []), parsed])
  }
  return Object.fromEntries([...by].map(([name, lines]) => {
    const heap = lines.flatMap((x) => typeof x.heapPeakMb === 'number' ? [x.heapPeakMb] : [])
    const cpu = lines.flatMap((x) => typeof x.cpuMs === 'number' ? [x.cpuMs] : [])
    const count = (key: 'stoppedBy' | 'trigger') => {
      const out: Record<string, number> = {}
      for (const x of lines) if (x[key]) out[x[key]!] = (out[x[key]!] ?? 0) + 1
      return out
    }
    return [name, {
      lines: lines.length,
      heapPeakMb: { p50: pct(heap, 0.5), max: heap.length ? Math.max(...heap) : null },
      cpuMs: { p50: pct(cpu, 0.5), max: cpu.length ? Math.max(...cpu) : null },
      stoppedBy: count('stoppedBy'),
      triggers: count('trigger'),
    }]
  }))
}

/** Starts measuring a phase; `done()` reads what the functions logged and the host's peak since. */
export function usageMeter(p: Profile): { done(): PhaseUsage } {
  const file = path.join(p.logDir, 'functions.log')
  const host = functionsHostPid(p)
  const from = statSync(file).size
  const perPhase = resetPeakRss(host)
  return {
    done() {
      const bytes = readFileSync(file)
      const log = bytes.subarray(from).toString('utf8')
      return { functions: summarizeUsage(log), hostPeakRssMb: Math.round(hostPeakRssMb(host)), hostPeakRssPerPhase: perPhase, logBytes: [from, bytes.length] }
    },
  }
}

/** stripe-sync's invocations in a stretch of the functions log: how many, their groups and events, their CPU summed. */
export function summarizeSyncLog(log: string): { invocations: number; groups: number; events: number; cpuMs: number; cpuMsPerGroup: number | null } {
  const lines = log.split('\n').flatMap((l) => {
    const m = /^stripe-sync usage (\{.*\})\s*$/.exec(l)
    if (!m) return []
    try {
      return [JSON.parse(m[1]) as { groups?: number; synced?: number; cpuMs?: number }]
    } catch {
      return []
    }
  })
  const sum = (f: (x: (typeof lines)[number]) => number | undefined) => lines.reduce((n, x) => n + (f(x) ?? 0), 0)
  const groups = sum((x) => x.groups)
  const cpuMs = sum((x) => x.cpuMs)
  return { invocations: lines.length, groups, events: sum((x) => x.synced), cpuMs, cpuMsPerGroup: groups ? Number((cpuMs / groups).toFixed(2)) : null }
}
