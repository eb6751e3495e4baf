// The Stripe calls the stack's sync makes during a run, from the stack's emulator's request log
// (/_emulator/requests: every /v1 request, with its start time). The log is bounded (the emulator keeps
// the last 10,000-20,000), so it is cleared at the start and read every 20 s, entries kept by id.
import type { Profile } from '../stack/config.ts'

interface Entry { id: string; start: number; customer: string | null }

export interface CallsPerSecond {
  calls: number
  /** Distinct customers the calls were about. */
  customers: number
  /** Calls over the run's span (first to last call), per second. */
  mean: number
  /** The busiest whole second. */
  max: number
  /** Calls started in each whole second from the run's start: [s, calls]. */
  series: [number, number][]
}

/** Calls started in each whole second after `t0` (ms). */
export function perSecond(starts: number[], t0 = 0): [number, number][] {
  const counts = new Map<number, number>()
  for (const s of starts) counts.set(Math.floor((s - t0) / 1000), (counts.get(Math.floor((s - t0) / 1000)) ?? 0) + 1)
  const last = Math.max(0, ...counts.keys())
  return Array.from({ length: last + 1 }, (_, s) => [s, counts.get(s) ?? 0])
}

export async function stripeCallMeter(p: Profile): Promise<{ done(): Promise<CallsPerSecond> }> {
  const base = `http://127.0.0.1:${p.ports.stripe}/_emulator/requests`
  const seen = new Map<string, Entry>()
  const read = async () => {
    const res = await fetch(base)
    if (!res.ok) throw new Error(`emulator request log answered ${res.status}`)
    for (const e of ((await res.json()) as { data: Entry[] }).data) seen.set(e.id, e)
  }
  const cleared = await fetch(base, { method: 'DELETE' })
  if (!cleared.ok) throw new Error(`emulator request log refused a clear: ${cleared.status}`)
  const t0 = Date.now()
  const timer = setInterval(() => void read().catch(() => {}), 20_000)
  return {
    async done() {
      clearInterval(timer)
      await read()
      const starts = [...seen.values()].map((e) => e.start)
      const customers = new Set([...seen.values()].map((e) => e.customer).filter((c) => c !== null)).size
      const series = perSecond(starts, t0)
      const span = starts.length > 1 ? (Math.max(...starts) - Math.min(...starts)) / 1000 : 0
      return { calls: starts.length, customers, mean: span > 0 ? Number((starts.length / span).toFixed(1)) : 0, max: Math.max(0, ...series.map(([, n]) => n)), series }
    },
  }
}
