// The webhook's sampled heap lines (supabase/functions/_shared/webhook/heap-sample.ts), which `npm run bench`
// reads from the functions log: a sample every Nth request, a line at most every interval with the largest
// sample since the last line, nothing logged without a sample.
import { describe, expect, it } from 'vitest'
import { heapSampler } from '../../supabase/functions/_shared/webhook/heap-sample.ts'
import { summarizeUsage } from '../../dev/bench/usage.ts'

describe('webhook heap sampler', () => {
  it('samples every Nth request and logs the largest sample at most every interval', () => {
    let t = 0
    const heaps = [10, 30, 20, 5].map((mb) => mb * 1048576)
    const reads: number[] = []
    const lines: string[] = []
    const hook = heapSampler('stripe-webhook', {
      sampleEvery: 3, logEveryMs: 1000, now: () => t, log: (l) => lines.push(l),
      heapUsed: () => {
        reads.push(t)
        return heaps.shift() ?? null
      },
    })
    const at = (ms: number) => {
      t = ms
      hook()
    }
    for (let i = 1; i <= 9; i++) at(i * 100)
    expect(reads).toEqual([300, 600, 900]) // requests 3, 6 and 9 only
    expect(lines).toEqual([]) // not a second yet
    at(1000)
    expect(lines).toEqual(['stripe-webhook usage {"requests":10,"heapSamples":3,"heapPeakMb":30}'])
    at(1100)
    at(1200) // sampled: 5 MB
    at(2100)
    at(3500) // no sample since the last line: nothing to log
    expect(lines.slice(1)).toEqual(['stripe-webhook usage {"requests":3,"heapSamples":1,"heapPeakMb":5}'])
    expect(summarizeUsage(lines.join('\n'))['stripe-webhook'].heapPeakMb).toEqual({ p50: 30, max: 30 })
  })
})
