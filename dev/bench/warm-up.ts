// The warm-up before the ingest pairs (run.ts, ingest.ts): each side is sent events as the pairs send them
// (closed loop, the pairs' concurrency), three per customer (BENCH_WARM_EVENTS), not counted. spreadEvents gives each
// customer its invoice.paid within its first three, so every customer's subscription and invoice is written
// once on each side before the pairs. 40 events one at a time left the peer's first pair slower than its
// later ones (every pooled connection's first statements, its first row of each object, V8's optimizing
// tier), so that pair's ratio flattered ours.
import { type Customer, spreadEvents } from './events.ts'
import { closedLoop, type LoadResult } from './http-load.ts'

export interface WarmUp { eventsPerSide: number; ours: LoadResult; peer: LoadResult }

interface Side { port: number; path: string }

/** Warms ours, then the peer, with `perSide` events each, and says how it went. */
export async function warmUp(ours: Side, peer: Side, customers: Customer[], concurrency: number, perSide: number): Promise<WarmUp> {
  const oursRun = await closedLoop(ours.port, ours.path, await spreadEvents('warm', perSide, customers), concurrency)
  const peerRun = await closedLoop(peer.port, peer.path, await spreadEvents('warmpeer', perSide, customers), concurrency)
  console.log(`warm-up (not counted): ${perSide} events a side, ours ${oursRun.eventsPerSecond}/s (${oursRun.non2xx} non-2xx), peer ${peerRun.eventsPerSecond}/s (${peerRun.non2xx} non-2xx)`)
  return { eventsPerSide: perSide, ours: oursRun, peer: peerRun }
}
