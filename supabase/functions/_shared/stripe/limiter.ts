// Every Stripe API call goes through here: it takes a token from the shared bucket in Postgres first,
// and reports a 429 back to the bucket so every worker slows down, not just this one.
import type postgres from 'postgres'
import { RetryAfterError } from '../errors.ts'

/** `test:<name>` buckets are test files' own, for emulators of their own (a migration allows them). */
export type Bucket = 'test' | 'live' | `test:${string}`

/** Test-mode keys share the test bucket (25 req/s); live keys the live one (100 req/s). */
export function bucketFor(secretKey: string): Bucket {
  return /^(sk|rk)_live_/.test(secretKey) ? 'live' : 'test'
}

/** Counts calls made, per function instance (reported by the sync worker). */
export const stripeCalls = { count: 0 }

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Waits until the shared bucket grants a token, or throws once `maxWaitMs` would be exceeded. */
export async function takeToken(sql: postgres.Sql, bucket: Bucket, maxWaitMs = 20_000): Promise<void> {
  const deadline = Date.now() + maxWaitMs
  for (;;) {
    const [{ wait }] = await sql<{ wait: number }[]>`select billing.service_role_take_stripe_token(${bucket}) as wait`
    if (wait === 0) return
    if (Date.now() + wait > deadline) throw new RetryAfterError(`Stripe rate limit: no token within ${maxWaitMs} ms`, wait)
    await sleep(Math.min(wait, 1000))
  }
}

function retryAfterMs(err: unknown): number | undefined {
  const e = err as { statusCode?: number; headers?: Record<string, string> }
  if (e?.statusCode !== 429) return undefined
  const seconds = Number(e.headers?.['retry-after'])
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 1000
}

/** Runs one Stripe call under the shared limiter; a 429 pauses the bucket and becomes a RetryAfterError. */
export async function limited<T>(sql: postgres.Sql, bucket: Bucket, call: () => Promise<T>): Promise<T> {
  await takeToken(sql, bucket)
  stripeCalls.count++
  try {
    return await call()
  } catch (err) {
    const wait = retryAfterMs(err)
    if (wait === undefined) throw err
    await sql`select billing.service_role_stripe_rate_limited(${bucket}, ${wait})`
    throw new RetryAfterError(`Stripe answered 429; retrying after ${wait} ms`, wait, { cause: err })
  }
}
