// The benches' HTTP load: signed posts over keep-alive sockets, closed loop at a fixed concurrency.
// Shared by ingest.ts and run.ts so both measure the same way.
import http from 'node:http'

export const agent = new http.Agent({ keepAlive: true, maxSockets: 256 })

export function post(port: number, payload: string, signature: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path, method: 'POST', agent, headers: { 'content-type': 'application/json', 'stripe-signature': signature, 'content-length': Buffer.byteLength(payload) } },
      (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
      },
    )
    req.on('error', reject)
    req.end(payload)
  })
}

export const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]

export interface LoadResult { events: number; seconds: number; eventsPerSecond: number; p50ms: number; p99ms: number; maxMs: number; statuses: Record<number, number>; non2xx: number }

/** Every signed event posted, `concurrency` at a time, each worker sending its next on the previous answer. */
export async function closedLoop(port: number, path: string, signed: { payload: string; signature: string }[], concurrency: number): Promise<LoadResult> {
  const latencies: number[] = []
  const statuses = new Map<number, number>()
  let next = 0
  const started = performance.now()
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < signed.length) {
      const s = signed[next++]
      const t0 = performance.now()
      const status = await post(port, s.payload, s.signature, path).catch(() => 0)
      latencies.push(performance.now() - t0)
      statuses.set(status, (statuses.get(status) ?? 0) + 1)
    }
  }))
  const seconds = (performance.now() - started) / 1000
  latencies.sort((a, b) => a - b)
  const non2xx = [...statuses].filter(([s]) => s < 200 || s >= 300).reduce((n, [, c]) => n + c, 0)
  return {
    events: signed.length, seconds: Number(seconds.toFixed(2)), eventsPerSecond: Math.round(signed.length / seconds),
    p50ms: Number(pct(latencies, 50).toFixed(1)), p99ms: Number(pct(latencies, 99).toFixed(1)), maxMs: Number(latencies[latencies.length - 1].toFixed(1)),
    statuses: Object.fromEntries(statuses), non2xx,
  }
}
