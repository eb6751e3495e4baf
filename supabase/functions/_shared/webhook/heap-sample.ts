// The webhook's memory, for `npm run bench` (which reads `<function> usage {json}` lines from the functions
// log): a request is too short to log per request, so every `sampleEvery`-th request reads the isolate's
// V8 heap (a cheap call), and a line goes out at most every `logEveryMs` with the largest sample since
// the last line. It is a sampled peak: a spike between samples goes unseen.
export interface HeapSampleOptions {
  sampleEvery?: number
  logEveryMs?: number
  /** The isolate's heap in use (bytes); null where the runtime cannot tell. */
  heapUsed?: () => number | null
  now?: () => number
  log?: (line: string) => void
}

function denoHeapUsed(): number | null {
  try {
    const deno = (globalThis as { Deno?: { memoryUsage?: () => { heapUsed: number } } }).Deno
    return deno?.memoryUsage ? deno.memoryUsage().heapUsed : null
  } catch {
    return null
  }
}

/** Returns the per-request hook: call it once per request. */
export function heapSampler(name: string, opts: HeapSampleOptions = {}): () => void {
  const { sampleEvery = 25, logEveryMs = 5_000, heapUsed = denoHeapUsed, now = Date.now, log = console.log } = opts
  let requests = 0
  let samples = 0
  let peak = 0
  let since = now()
  return () => {
    requests++
    if (requests % sampleEvery === 0) {
      const h = heapUsed()
      if (h !== null) {
        peak = Math.max(peak, h)
        samples++
      }
    }
    if (samples > 0 && now() - since >= logEveryMs) {
      log(`${name} usage ${JSON.stringify({ requests, heapSamples: samples, heapPeakMb: Math.round((peak / 1048576) * 10) / 10 })}`)
      requests = 0
      samples = 0
      peak = 0
      since = now()
    }
  }
}
