// The product's clock is shared by every test on the stack: running due work as of 30 days on (stripe-sync
// run-due `asOf`, or settle() with the registry's workflows) runs every customer's due work, not only the
// test's own, and would send another file's 3-day reminder early. Test files that move it hold this lock
// for their whole run, so no two of them move it at once.
import postgres from 'postgres'
import { stackProfile } from './stack.ts'

/** Any constant: the one advisory lock every file that moves the product's clock takes. */
const LOCK_KEY = 6_021_126

/** Waits for the lock; the returned function releases it (closing the session would too). */
export async function holdProductClock(): Promise<() => Promise<void>> {
  const session = postgres(stackProfile.dbUrl, { max: 1, onnotice: () => {} })
  await session`select pg_advisory_lock(${LOCK_KEY})`
  return () => session.end()
}
