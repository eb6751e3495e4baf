// A query can fail on a dead socket before postgres.js calls the pool's onclose (Deno: "This socket has
// been ended by the other party", EPIPE; seen in db-restart.test.ts as one webhook answered 503 after the
// administrator ended the backends). Such an error retires the pools itself (db.ts's retireIfLost), so
// the webhook's recorder, asking for the current pool, gets a fresh one; any other error leaves them.
import { afterAll, expect, test } from 'vitest'
import { db, retireIfLost } from '../../supabase/functions/_shared/db.ts'
import { stackProfile, uniq } from '../helpers/stack.ts'

const savedUrl = process.env.SUPABASE_DB_URL
const opened: ReturnType<typeof db>[] = []
afterAll(async () => {
  await Promise.all(opened.map((p) => p.end({ timeout: 1 })))
  savedUrl === undefined ? delete process.env.SUPABASE_DB_URL : (process.env.SUPABASE_DB_URL = savedUrl)
})

const failure = (message: string, code: string) => Object.assign(new Error(message), { code })

test('an error of a lost connection retires the pools; another error does not', () => {
  process.env.SUPABASE_DB_URL = stackProfile.dbUrl
  const name = uniq('lost')
  const first = db(name)
  opened.push(first)
  retireIfLost(first, failure('duplicate key value violates unique constraint', '23505'))
  retireIfLost(first, new Error('no code'))
  expect(db(name)).toBe(first)
  for (const [message, code] of [['This socket has been ended by the other party', 'EPIPE'], ['terminating connection due to administrator command', '57P01']]) {
    const before = db(name)
    retireIfLost(before, failure(message, code))
    const fresh = db(name)
    opened.push(fresh)
    expect(fresh, code).not.toBe(before)
  }
})
