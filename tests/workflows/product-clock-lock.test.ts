// The product clock's lock (tests/helpers/product-clock.ts) leaves the shared clocks at wall time: a file
// that moved them and released the lock, failed or not, leaves nothing for the next holder (nor pgTAP's
// grace-period check) to find; and a leftover of a killed run is put back, and said, when the lock is taken.
// Files that read the clock share the lock: they run together, and a file that moves it waits for them.
import { afterAll, describe, expect, test, vi } from 'vitest'
import { holdProductClock, startAtWallTime } from '../helpers/product-clock.ts'
import { adminSql, stackProfile } from '../helpers/stack.ts'

const sql = adminSql()
afterAll(() => sql.end())
const CLOCK = `http://127.0.0.1:${stackProfile.ports.stripe}/_emulator/clock`

/** SQL's offset 40 days on, as a test's runner following an emulator of its own writes it. */
const moveSqlClock = () => sql`update billing.settings set product_clock_offset = interval '40 days'`

/** Moves both shared clocks as a file holding the lock may: the stack emulator's and SQL's offset. */
async function moveClocks(): Promise<void> {
  const res = await fetch(`${CLOCK}/advance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ seconds: 3 * 86_400 }) })
  expect(res.status).toBe(200)
  await moveSqlClock()
}

async function clocks() {
  const emulator = ((await (await fetch(CLOCK)).json()) as { offset_seconds: number }).offset_seconds
  const [{ s }] = await sql<{ s: number }[]>`select extract(epoch from product_clock_offset)::float8 as s from billing.settings`
  return { emulator, sql: s }
}

describe('the product clock lock', () => {
  test('releasing it puts both clocks back to wall time: the next holder finds nothing to put back', { timeout: 20 * 60_000 }, async () => {
    const warn = vi.spyOn(console, 'warn')
    try {
      const release = await holdProductClock()
      await moveSqlClock()
      await release()
      const again = await holdProductClock()
      try {
        expect(warn, 'the next holder found the clocks moved: the release did not put them back').not.toHaveBeenCalled()
        expect(await clocks()).toEqual({ emulator: 0, sql: 0 })
      } finally {
        await again()
      }
    } finally {
      warn.mockRestore()
    }
  })

  test('a leftover of a killed run is put back, and said, when the lock is taken', { timeout: 20 * 60_000 }, async () => {
    const release = await holdProductClock()
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    try {
      await moveClocks()
      await startAtWallTime(sql)
      expect(await clocks()).toEqual({ emulator: 0, sql: 0 })
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('off wall time (left by an interrupted run)'))
    } finally {
      warn.mockRestore()
      await release()
    }
  })

  test('readers share it: two at once, and a mover waits until both are done', { timeout: 20 * 60_000 }, async () => {
    const first = await holdProductClock(undefined, 'read')
    let second: (() => Promise<void>) | undefined
    try {
      second = await holdProductClock(5_000, 'read')
      await expect(holdProductClock(1_000), 'a mover took the clock while files that read it were running').rejects.toThrow(/held the product clock/)
      await first()
      await expect(holdProductClock(1_000), 'a mover took the clock while a reader was still running').rejects.toThrow(/held the product clock/)
    } finally {
      await first().catch(() => {})
      await second?.()
    }
    const mover = await holdProductClock()
    await mover()
  })
})
