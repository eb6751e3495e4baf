// The sync budget's clocks (_shared/sync/budget.ts) are read on the hot path (per group), so a thread's
// CPU clock is read only when the budget could have been crossed since its last reading; it still trips
// early, never late. Time is simulated (performance.now stubbed), so a loaded machine cannot sway it.
import { afterEach, describe, expect, test, vi } from 'vitest'
import { Budget } from '../../supabase/functions/_shared/sync/budget.ts'

let now = 1000
afterEach(() => void vi.restoreAllMocks())

/** Simulated wall time, and a thread's clock that runs at `share` of it (never faster than wall time). */
function threadClock(share: number) {
  now = 1000
  vi.spyOn(performance, 'now').mockImplementation(() => now)
  const clock = { reads: 0, spent: () => (now - 1000) * share }
  return { clock, readCpuMs: () => (clock.reads++, 7 + clock.spent()), perThread: true }
}

describe('sync budget', () => {
  for (const share of [1, 0.5, 0.25]) {
    test(`a thread's clock at ${share * 100}% of wall time is read a few times, and the budget trips as soon as it is spent`, () => {
      const c = threadClock(share)
      const b = new Budget(40, 60_000, c)
      let calls = 0
      while (calls < 1e6) {
        now += 0.01
        calls++
        const spent = b.spent()
        // Never late: whenever the budget said "not spent", the thread had not spent it.
        if (spent === null) expect(c.clock.spent()).toBeLessThanOrEqual(40)
        else break
      }
      // As soon as spent: within one step of simulated time.
      expect(c.clock.spent()).toBeGreaterThan(40)
      expect(c.clock.spent()).toBeLessThanOrEqual(40 + 0.01)
      expect(c.clock.reads).toBeLessThan(calls / 20)
    })
  }

  test("a process's clock (several threads may run faster than wall time) is read on every check", () => {
    let reads = 0
    const b = new Budget(1000, 60_000, { readCpuMs: () => (reads++, 0), perThread: false })
    for (let i = 0; i < 100; i++) expect(b.spent()).toBeNull()
    expect(reads).toBe(101)
  })
})
