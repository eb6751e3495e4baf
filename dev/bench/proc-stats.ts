// What a process has spent, from /proc (Linux): the benches' CPU figures are read here.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import type { Profile } from '../stack/config.ts'

/** User + system CPU of a process so far, in ms (clock ticks of 10 ms). */
export function hostCpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100
}

export const hostPeakRssMb = (pid: number) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024

/** The pid of the profile's functions host (the Deno process every edge function runs in). */
export const functionsHostPid = (p: Profile) => (JSON.parse(readFileSync(p.pidFile, 'utf8')) as { services: Record<string, number> }).services.functions

/**
 * Starts a fresh peak-RSS count for the process (writes 5 to /proc/<pid>/clear_refs, Linux >= 4.0), so
 * VmHWM reads the peak of one phase; false where the kernel refuses (the peak is then since start).
 */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5')
    return true
  } catch {
    return false
  }
}

/**
 * Each reader's CPU (ms) over the same `seconds` of a quiet stack, ms/s: its background (the host's
 * pg_cron ticks and their watches, the cluster's own processes).
 */
export async function idleCpuMsPerSecond<K extends string>(readers: Record<K, () => number>, seconds: number): Promise<Record<K, number>> {
  const keys = Object.keys(readers) as K[]
  const cpu0 = keys.map((k) => readers[k]())
  const t0 = performance.now()
  await new Promise((r) => setTimeout(r, seconds * 1000))
  const s = (performance.now() - t0) / 1000
  return Object.fromEntries(keys.map((k, i) => [k, Number(((readers[k]() - cpu0[i]) / s).toFixed(2))])) as Record<K, number>
}

/**
 * A thread's scheduler figures so far (/proc/<pid>/task/<tid>/schedstat): ms on a CPU, and ms waiting on
 * a run queue (runnable but not running: the share of the machine others took).
 */
export function threadSchedMs(pid: number, tid = pid): { cpuMs: number; waitMs: number; slices: number } {
  const [cpu, wait, slices] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').trim().split(' ').map(Number)
  return { cpuMs: cpu / 1e6, waitMs: wait / 1e6, slices }
}

/**
 * Every thread's CPU so far (ms, /proc/<pid>/task/<tid>/schedstat), by thread id; with `slices`, how
 * many times each was put on a CPU instead (a wake-up or a return after preemption: the count that,
 * times a wake's cost, is most of an idle-ish thread's CPU on a virtual machine).
 */
export function threadsCpuMs(pid: number, what: 'cpuMs' | 'slices' = 'cpuMs'): Map<number, number> {
  const out = new Map<number, number>()
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      out.set(Number(tid), threadSchedMs(pid, Number(tid))[what])
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out
}

/**
 * The functions host's CPU (or slices) between two threadsCpuMs readings, per event, by where it ran: the gateway's
 * thread (with the functions in its isolate), each function's worker, and the rest (V8's platform
 * threads, tokio's), from the host's /health list of threads.
 */
export async function cpuByThread(p: Profile, before: Map<number, number>, after: Map<number, number>, events: number): Promise<Record<string, number>> {
  const pid = functionsHostPid(p)
  const health = await (await fetch(`http://127.0.0.1:${p.ports.api}/health`)).json() as { threads?: Record<string, number | null> }
  const names = new Map<number, string[]>()
  for (const [fn, tid] of Object.entries(health.threads ?? {}).sort()) if (tid !== null) names.set(tid, [...(names.get(tid) ?? []), fn])
  const ms: Record<string, number> = {}
  for (const [tid, cpu] of after) {
    const fns = names.get(tid)?.join(', ')
    const label = tid === pid ? `gateway${fns ? ` + ${fns}` : ''}` : fns ?? 'other threads'
    ms[label] = (ms[label] ?? 0) + cpu - (before.get(tid) ?? 0)
  }
  const perEvent = Object.entries(ms).map(([k, v]) => [k, Number((v / events).toFixed(2))] as const)
  return Object.fromEntries(perEvent.filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]))
}
