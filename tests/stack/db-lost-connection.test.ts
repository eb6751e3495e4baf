// A query can fail on a dead socket before postgres.js calls the pool's onclose (Deno: "This socket has
// been ended by the other party", EPIPE; seen in db-restart.test.ts as one webhook answered 503 after the
// administrator ended the backends). Such an error retires the pools itself (db.ts's retireIfLost), so
// the webhook's recorder, asking for the current pool, gets a fresh one; any other error leaves them.
// The functions wrapped in `reconnecting` (stripe-sync, billing's reads, health) meet the same race: the
// request answers 5xx before onclose has run. errorResponse counts the lost connection it answered
// (lost-connection.ts), and `reconnecting` then retires the pools and runs the request again.
import { afterAll, expect, test } from 'vitest'
import { db, reconnecting, retireIfLost } from '../../supabase/functions/_shared/db.ts'
import { HttpError } from '../../supabase/functions/_shared/errors.ts'
import { errorResponse } from '../../supabase/functions/_shared/http.ts'
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

/** A handler whose first call fails with `first` (answered by errorResponse) and whose later calls succeed. */
function failingOnce(name: string, first: unknown) {
  const pools: unknown[] = []
  const handler = reconnecting(async (req) => {
    pools.push(db(name))
    await req.text()
    if (pools.length === 1) return errorResponse(first, 'test')
    return new Response('ok')
  })
  return { handler, pools }
}

const request = () => new Request('http://127.0.0.1/functions/v1/test', { method: 'POST', body: '{"trigger":"cron"}' })

test('reconnecting runs a request again on fresh pools when it failed on a lost connection before onclose', async () => {
  process.env.SUPABASE_DB_URL = stackProfile.dbUrl
  for (const [label, err] of [
    ['EPIPE, answered as a 500', failure('This socket has been ended by the other party', 'EPIPE')],
    // health wraps the database's error in its own 503.
    ['57P01 as an HttpError cause', new HttpError(503, 'database_unavailable', 'database unavailable', { cause: failure('terminating connection due to administrator command', '57P01') })],
  ] as const) {
    const name = uniq('again')
    const { handler, pools } = failingOnce(name, err)
    const res = await handler(request())
    opened.push(...(pools as ReturnType<typeof db>[]))
    expect(res.status, label).toBe(200)
    expect(await res.text(), label).toBe('ok')
    expect(pools, label).toHaveLength(2)
    expect(pools[1], label).not.toBe(pools[0])
  }
})

test('reconnecting answers any other 5xx as it is, once, and keeps the pools', async () => {
  process.env.SUPABASE_DB_URL = stackProfile.dbUrl
  const name = uniq('kept')
  const { handler, pools } = failingOnce(name, new HttpError(503, 'stripe_down', 'Stripe is unavailable'))
  const res = await handler(request())
  opened.push(...(pools as ReturnType<typeof db>[]))
  expect(res.status).toBe(503)
  expect(pools).toHaveLength(1)
  expect(db(name)).toBe(pools[0])
})
