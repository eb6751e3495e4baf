// What a process has spent, from /proc (Linux): the benches' CPU figures are read here.
import { readFileSync } from 'node:fs'
import type { Profile } from '../stack/config.ts'

/** User + system CPU of a process so far, in ms (clock ticks of 10 ms). */
export function hostCpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100
}

export const hostPeakRssMb = (pid: number) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024

/** The pid of the profile's functions host (the Deno process every edge function runs in). */
export const functionsHostPid = (p: Profile) => (JSON.parse(readFileSync(p.pidFile, 'utf8')) as { services: Record<string, number> }).services.functions
