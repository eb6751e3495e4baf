// The product's clock is shared by every test on the stack: running due work as of 30 days on (stripe-sync
// run-due `asOf`, or settle() with the registry's workflows) runs every customer's due work, not only the
// test's own, and would send another file's 3-day reminder early. Test files that move it hold this lock
// for their whole run, so no two of them move it at once.
import postgres from 'postgres'
import { afterAll, beforeAll } from 'vitest'
import { stackProfile } from './stack.ts'

/** Any constant: the one advisory lock every file that moves the product's clock takes. */
const LOCK_KEY = 6_021_126

/** How long a file waits for the lock: longer than any one file holds it (two files run at once). */
const PRODUCT_CLOCK_WAIT_MS = 15 * 60_000
/** The timeout of a beforeAll hook that takes the lock: the wait, and a minute for the rest of the hook. */
export const PRODUCT_CLOCK_HOOK_TIMEOUT_MS = PRODUCT_CLOCK_WAIT_MS + 60_000

/**
 * Waits for the lock, at most `waitMs` (inside the hook's own timeout, so a long wait fails with this
 * message, not a hook timeout); the returned function releases it (closing the session would too).
 */
export async function holdProductClock(waitMs = PRODUCT_CLOCK_WAIT_MS): Promise<() => Promise<void>> {
  const session = postgres(stackProfile.dbUrl, { max: 1, onnotice: () => {} })
  const deadline = Date.now() + waitMs
  while (!(await session<{ ok: boolean }[]>`select pg_try_advisory_lock(${LOCK_KEY}) as ok`)[0].ok) {
    if (Date.now() > deadline) {
      await session.end()
      throw new Error(`another test file held the product clock for more than ${waitMs / 1000} s`)
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  return () => session.end()
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
