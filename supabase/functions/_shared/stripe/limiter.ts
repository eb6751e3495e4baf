// The shared token bucket in Postgres that every Stripe request draws from (limited-http-client.ts).
import type postgres from 'postgres'
import { RetryAfterError } from '../errors.ts'
import { statement } from '../one-trip.ts'

/** `test:<name>` buckets are test files' own, for emulators of their own (a migration allows them). */
export type Bucket = 'test' | 'live' | `test:${string}`

/** Test-mode keys share the test bucket (25 req/s); live keys the live one (100 req/s). */
export function bucketFor(secretKey: string): Bucket {
  return /^(sk|rk)_live_/.test(secretKey) ? 'live' : 'test'
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/**
 * Reserves the shared bucket's next token and waits until it is due: one round trip, however many callers
 * wait (billing.service_role_reserve_stripe_token). Throws once the wait would pass `maxWaitMs`; asks
 * again only while the bucket is paused after a 429.
 */
export async function takeToken(sql: postgres.Sql, bucket: Bucket, maxWaitMs = 20_000): Promise<void> {
  const deadline = Date.now() + maxWaitMs
  for (;;) {
    const left = Math.max(0, deadline - Date.now())
    const [{ wait }] = await statement<{ wait: number }[]>(sql, 'select billing.service_role_reserve_stripe_token($1, $2) as wait', [bucket, left])
    if (wait >= 0) return wait > 0 ? await sleep(wait) : undefined
    if (Date.now() - wait > deadline) throw new RetryAfterError(`Stripe rate limit: no token within ${maxWaitMs} ms`, -wait)
    await sleep(Math.min(-wait, 1000))
  }
}
