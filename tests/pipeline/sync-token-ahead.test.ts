// A customer's sync takes the token of its first Stripe call while its transaction begins and it waits
// for the customer's lock (syncer.ts, LimitedHttpClient.reserve), not after: the wait for a token overlaps
// the database round trips. Tokens taken equal requests sent. Own emulator, queue and bucket.
import { afterAll, beforeAll, expect, test } from 'vitest'
import { createGroupSyncer } from '../../supabase/functions/_shared/sync/syncer.ts'
import { runWorker } from '../../supabase/functions/_shared/sync/worker.ts'
import type { Bucket } from '../../supabase/functions/_shared/stripe/limiter.ts'
import { adminSql, uniq } from '../helpers/stack.ts'
import { type EmulatedStripe, ownBucket, queueEvents, startStripe } from '../helpers/stripe-emulator.ts'

const sql = adminSql()
const limiterSql = adminSql()
const locker = adminSql()
let s: EmulatedStripe
let bucket: Bucket
let dropBucket: () => Promise<void>
const queue = uniq('tokenq')
beforeAll(async () => {
  ;({ bucket, drop: dropBucket } = await ownBucket(sql))
  s = await startStripe()
  await sql`select pgmq.create(${queue})`
})
afterAll(async () => {
  await sql`select pgmq.drop_queue(${queue})`
  await s?.close()
  await dropBucket?.()
  for (const c of [locker, limiterSql, sql]) await c.end()
})

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
/** Tokens left in the test's bucket (it refills too slowly to matter here). */
const tokens = async () => Math.floor(Number((await sql`select tokens from billing.stripe_rate_limits where bucket = ${bucket}`)[0].tokens))

test('the first call\'s token is taken while the sync waits for the customer\'s lock, and no token is left unused', async () => {
  const customer = await s.stripe.customers.create({ email: `${uniq('ahead')}@example.test` })
  await queueEvents(sql, queue, s.eventsOf(customer.id).filter((e) => e.type === 'customer.created'))
  await sql`update billing.stripe_rate_limits set requests_per_second = 0.001, burst = 50, tokens = 50 where bucket = ${bucket}`
  const requestsBefore = (await s.requests()).length

  // Another writer holds the customer's lock: the sync can begin and ask for it, not go past it.
  await locker`select pg_advisory_lock(hashtextextended(${`stripe:customer:${customer.id}`}, 0))`
  const syncer = createGroupSyncer({ sql, queue, stripe: { stripe: s.limited(limiterSql, bucket) } })
  const running = runWorker(sql, syncer, { queue, concurrency: 1 })
  try {
    let taken = false
    for (const until = Date.now() + 20_000; !taken && Date.now() < until; await sleep(50)) taken = (await tokens()) === 49
    expect(taken).toBe(true)
    // Taken ahead: the request itself waits behind the lock.
    expect((await s.requests()).length).toBe(requestsBefore)
  } finally {
    await locker`select pg_advisory_unlock(hashtextextended(${`stripe:customer:${customer.id}`}, 0))`
  }
  const report = await running
  expect(report.synced.map((g) => g.key)).toEqual([`customer:${customer.id}`])
  // The reserved token went to the customer's retrieve: one request, one token.
  expect((await s.requests()).length - requestsBefore).toBe(1)
  expect(await tokens()).toBe(49)
  const [{ n }] = await sql`select count(*)::int as n from public.stripe_customers where id = ${customer.id}`
  expect(n).toBe(1)
})
