// The Stripe client's HTTP layer takes a token from the shared bucket for every request it sends: each
// page of the library's auto-pagination and each of its own retries, and a 429 pauses the bucket.
import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest'
import { type Bucket, takeToken } from '../../supabase/functions/_shared/stripe/limiter.ts'
import { call } from '../../supabase/functions/_shared/stripe/context.ts'
import { RetryAfterError } from '../../supabase/functions/_shared/errors.ts'
import { adminSql } from '../helpers/stack.ts'
import { ownBucket, startStripe, type EmulatedStripe } from '../helpers/stripe-emulator.ts'

const sql = adminSql()
const limiterSql = adminSql()
let s: EmulatedStripe
let bucket: Bucket
let dropBucket: () => Promise<void>
beforeAll(async () => {
  s = await startStripe()
  ;({ bucket, drop: dropBucket } = await ownBucket(sql))
})
afterAll(async () => {
  await s.chaos({})
  await dropBucket()
  await s.close()
  await limiterSql.end()
  await sql.end()
})
// A bucket that all but never refills, full: the tokens taken are exactly what it lost.
beforeEach(async () => {
  await s.chaos({})
  await sql`update billing.stripe_rate_limits set requests_per_second = 0.0001, burst = 100, tokens = 100, paused_until = null where bucket = ${bucket}`
})

const tokensTaken = async () => {
  const [{ tokens }] = await sql`select tokens::float8 as tokens from billing.stripe_rate_limits where bucket = ${bucket}`
  return Math.round(100 - tokens)
}
const requestsSince = async (n: number) => (await s.requests()).slice(n)

test('every page of the library\'s auto-pagination takes a token', async () => {
  for (let i = 0; i < 5; i++) await s.stripe.customers.create({ name: `Paged ${i}` })
  const before = (await s.requests()).length
  const all = await s.limited(limiterSql, bucket).customers.list({ limit: 2 }).autoPagingToArray({ limit: 1000 })
  const pages = (await requestsSince(before)).filter((r) => r.method === 'GET' && r.path === '/v1/customers')
  expect(all.length).toBeGreaterThanOrEqual(5)
  expect(pages).toHaveLength(Math.ceil(all.length / 2))
  expect(await tokensTaken()).toBe(pages.length)
})

test('a reservation commits without waiting for the flush, its own transaction only: others see the token taken at once, and the connection commits durably after it', async () => {
  const one = await limiterSql.reserve()
  try {
    // Durable, as a hosted database is (the test cluster runs with synchronous_commit off).
    await one`set synchronous_commit = on`
    await takeToken(one, bucket)
    expect(await tokensTaken()).toBe(1)
    expect((await one`select current_setting('synchronous_commit') as s`)[0].s).toBe('on')
    // Inside a transaction of the caller's (a reserved connection has no begin()): off until its end.
    await one`begin`
    await one`select billing.service_role_reserve_stripe_token(${bucket}, 1000)`
    const inside = (await one`select current_setting('synchronous_commit') as s`)[0].s
    await one`commit`
    expect(inside).toBe('off')
    expect((await one`select current_setting('synchronous_commit') as s`)[0].s).toBe('on')
    expect(await tokensTaken()).toBe(2)
  } finally {
    await one`reset synchronous_commit`
    one.release()
  }
})

test('each of the library\'s retries of a failing call takes a token', async () => {
  const c = await s.stripe.customers.create({ name: 'Retried' })
  const before = (await s.requests()).length
  await s.chaos({ rate500: 1 })
  await expect(s.limited(limiterSql, bucket).customers.retrieve(c.id)).rejects.toMatchObject({ statusCode: 500 })
  const tries = await requestsSince(before)
  expect(tries.map((r) => r.fault)).toEqual(['500', '500', '500'])
  expect(await tokensTaken()).toBe(3)
})

test('a 429 pauses the shared bucket for its Retry-After and the call becomes a RetryAfterError', { timeout: 30_000 }, async () => {
  // A 429 empties the bucket: it needs its normal refill here.
  await sql`update billing.stripe_rate_limits set requests_per_second = 25 where bucket = ${bucket}`
  const c = await s.stripe.customers.create({ name: 'Limited' })
  const before = (await s.requests()).length
  await s.chaos({ rate429: 1, retryAfterS: 1 })
  const err = await call('retrieve', () => s.limited(limiterSql, bucket).customers.retrieve(c.id)).catch((e) => e)
  expect(err).toBeInstanceOf(RetryAfterError)
  expect(err.retryAfterMs).toBe(1000)
  // Stripe's should-retry header lets the library retry (its own backoff is 0.5 s at first); each retry
  // waited for a token until the pause the 429 set was over.
  const tries = await requestsSince(before)
  expect(tries.map((r) => r.fault)).toEqual(['429', '429', '429'])
  for (let i = 1; i < tries.length; i++) expect(tries[i].start - tries[i - 1].end).toBeGreaterThanOrEqual(950)
  const [{ paused }] = await sql`select paused_until > now() as paused from billing.stripe_rate_limits where bucket = ${bucket}`
  expect(paused).toBe(true)
})

test('a bucket that grants no token in time sends nothing and the call becomes a RetryAfterError', { timeout: 30_000 }, async () => {
  // Empty, refilling one token in hours: no token within the limiter's wait.
  await sql`update billing.stripe_rate_limits set tokens = 0, refilled_at = now() where bucket = ${bucket}`
  const before = (await s.requests()).length
  const err = await call('list customers', () => s.limited(limiterSql, bucket).customers.list()).catch((e) => e)
  expect(err).toBeInstanceOf(RetryAfterError)
  expect(err.message).toMatch(/no token within/)
  expect(await requestsSince(before)).toEqual([])
})

test('callers waiting for tokens ask the bucket once each and still leave at its rate', { timeout: 30_000 }, async () => {
  // Empty, 10 tokens a second: five callers at once reserve the next five tokens, 0.1 s apart.
  await sql`update billing.stripe_rate_limits set requests_per_second = 10, burst = 10, tokens = 0, refilled_at = clock_timestamp() where bucket = ${bucket}`
  let asks = 0
  // takeToken's one statement (_shared/one-trip.ts sends it through sql.unsafe).
  const counting = new Proxy(limiterSql, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver)
      if (prop !== 'unsafe') return value
      return (text: string, ...rest: unknown[]) => {
        if (text.includes('stripe_token')) asks++
        return value.call(target, text, ...rest)
      }
    },
  })
  const t0 = performance.now()
  const done: number[] = []
  await Promise.all(Array.from({ length: 5 }, () => takeToken(counting, bucket).then(() => done.push(performance.now() - t0))))
  expect(asks).toBe(5)
  // The fifth token comes half a second after the bucket was empty (a lower bound: the machine may be slow).
  expect(Math.max(...done)).toBeGreaterThanOrEqual(450)
})
