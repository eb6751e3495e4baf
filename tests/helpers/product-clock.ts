// The product's clock is shared by every test on the stack: running due work as of 30 days on (stripe-sync
// run-due `asOf`, or settle() with the registry's workflows) runs every customer's due work, not only the
// test's own, and would send another file's 3-day reminder early. Test files that move it hold this lock
// for their whole run, so no two of them move it at once. The clock is put back to wall time when the
// lock is released (after the file's tests, failed or not) and checked when it is taken (a run that was
// killed never released it): the stack emulator's own clock, and SQL's billing.product_now() offset, which
// a test's runner following an emulator of its own writes and the stack's worker never rewrites.
// Files that only read it, but whose outcome depends on it staying at wall time while they run (an
// invitation's expiry, read on the product's clock), share the lock instead: many readers run at once,
// and no mover runs beside them.
import postgres from 'postgres'
import { afterAll, beforeAll } from 'vitest'
import { stackProfile } from './stack.ts'

/** Any constant: the one advisory lock every file that moves the product's clock takes. */
const LOCK_KEY = 6_021_126

/** How long a file waits for the lock: longer than any one file holds it (two files run at once). */
const PRODUCT_CLOCK_WAIT_MS = 15 * 60_000
/** The timeout of a beforeAll hook that takes the lock: the wait, and a minute for the rest of the hook. */
export const PRODUCT_CLOCK_HOOK_TIMEOUT_MS = PRODUCT_CLOCK_WAIT_MS + 60_000

/** The stack emulator's own clock, which the functions host's product clock follows. */
const STACK_CLOCK = `http://127.0.0.1:${stackProfile.ports.stripe}/_emulator/clock`

/** How far the shared clocks are from wall time, in seconds: the stack emulator's and SQL's offset. */
async function offsets(session: postgres.Sql): Promise<{ emulator: number; sql: number }> {
  const res = await fetch(STACK_CLOCK, { signal: AbortSignal.timeout(10_000) })
  if (!res.ok) throw new Error(`${STACK_CLOCK} answered ${res.status}`)
  const emulator = Number(((await res.json()) as { offset_seconds?: unknown }).offset_seconds)
  const [row] = await session<{ s: number }[]>`select extract(epoch from product_clock_offset)::float8 as s from billing.settings`
  return { emulator, sql: row.s }
}

/** Both shared clocks back to wall time. */
async function backToWallTime(session: postgres.Sql): Promise<void> {
  const res = await fetch(`${STACK_CLOCK}/reset`, { method: 'POST', signal: AbortSignal.timeout(10_000) })
  if (!res.ok) throw new Error(`${STACK_CLOCK}/reset answered ${res.status}`)
  // Past the functions host's cache of the emulator's answer (clock.ts), so it does not write the old one after this.
  await new Promise((r) => setTimeout(r, 1_000))
  await session`update billing.settings set product_clock_offset = '0'`
}

/**
 * Takes the lock: every holder puts the clocks back when it releases, so any offset found here was left
 * by a run that was killed. It is put back (and said), then checked: a file that reads the product's
 * clock starts at wall time, or fails here saying what moved it.
 */
export async function startAtWallTime(session: postgres.Sql): Promise<void> {
  const found = await offsets(session)
  if (found.emulator === 0 && found.sql === 0) return
  console.warn(`product clock: found the stack emulator ${found.emulator} s and billing.settings.product_clock_offset ${found.sql} s off wall time (left by an interrupted run); putting both back`)
  await backToWallTime(session)
  // The functions host rewrites SQL's offset once it reads the emulator's new one: polled, not read once.
  const deadline = Date.now() + 15_000
  for (let now = await offsets(session); now.emulator !== 0 || now.sql !== 0; now = await offsets(session)) {
    if (Date.now() > deadline) {
      throw new Error(`the product clock is still off wall time after a reset (emulator ${now.emulator} s, SQL ${now.sql} s): something outside the lock is moving it`)
    }
    await new Promise((r) => setTimeout(r, 250))
  }
}

/**
 * Waits for the lock, at most `waitMs` (inside the hook's own timeout, so a long wait fails with this
 * message, not a hook timeout), with the product's clock at wall time; the returned function puts the
 * clock back to wall time and releases the lock.
 */
export async function holdProductClock(waitMs = PRODUCT_CLOCK_WAIT_MS, mode: 'move' | 'read' = 'move'): Promise<() => Promise<void>> {
  const session = postgres(stackProfile.dbUrl, { max: 1, onnotice: () => {} })
  const take = () =>
    mode === 'move' ? session<{ ok: boolean }[]>`select pg_try_advisory_lock(${LOCK_KEY}) as ok` : session<{ ok: boolean }[]>`select pg_try_advisory_lock_shared(${LOCK_KEY}) as ok`
  const deadline = Date.now() + waitMs
  while (!(await take())[0].ok) {
    if (Date.now() > deadline) {
      await session.end()
      throw new Error(`another test file held the product clock for more than ${waitMs / 1000} s`)
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  try {
    await startAtWallTime(session)
  } catch (err) {
    await session.end()
    throw err
  }
  return async () => {
    try {
      // A reader moved nothing (no mover ran beside it); ending the session releases its share.
      if (mode === 'move') await backToWallTime(session)
    } finally {
      await session.end()
    }
  }
}

/**
 * Holds the product's clock for the whole test file: takes the lock before its tests, then runs `setUp`
 * in the same hook (its timeout grows by `setUpMs`), and releases the lock after them.
 */
export function holdProductClockForFile(setUp?: () => Promise<unknown> | void, setUpMs = 0): void {
  let release: (() => Promise<void>) | undefined
  beforeAll(async () => {
    release = await holdProductClock()
    await setUp?.()
  }, PRODUCT_CLOCK_HOOK_TIMEOUT_MS + setUpMs)
  afterAll(async () => {
    await release?.()
  })
}

/**
 * For a file that reads the product's clock and needs it at wall time for its whole run (invitations
 * expire on it): shares the lock, so files that move the clock wait until it is done.
 */
export function shareProductClockForFile(): void {
  let release: (() => Promise<void>) | undefined
  beforeAll(async () => {
    release = await holdProductClock(PRODUCT_CLOCK_WAIT_MS, 'read')
  }, PRODUCT_CLOCK_HOOK_TIMEOUT_MS)
  afterAll(async () => {
    await release?.()
  })
}
