// What a process has spent, from /proc (Linux): the benches' CPU figures are read here.
import { readFileSync, writeFileSync } from 'node:fs'
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

/** The host's CPU over `seconds` of a quiet stack (its background: pg_cron's ticks and their watches), ms/s. */
export async function idleCpuMsPerSecond(pid: number, seconds: number): Promise<number> {
  const cpu0 = hostCpuMs(pid)
  const t0 = performance.now()
  await new Promise((r) => setTimeout(r, seconds * 1000))
  return Number(((hostCpuMs(pid) - cpu0) / ((performance.now() - t0) / 1000)).toFixed(2))
}

/**
 * A thread's scheduler figures so far (/proc/<pid>/task/<tid>/schedstat): ms on a CPU, and ms waiting on
 * a run queue (runnable but not running: the share of the machine others took).
 */
export function threadSchedMs(pid: number, tid = pid): { cpuMs: number; waitMs: number } {
  const [cpu, wait] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').trim().split(' ').map(Number)
  return { cpuMs: cpu / 1e6, waitMs: wait / 1e6 }
}
