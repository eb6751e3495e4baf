// The shared token bucket in Postgres that every Stripe request draws from (limited-http-client.ts).
import type postgres from 'postgres'
import { RetryAfterError } from '../errors.ts'

/** `test:<name>` buckets are test files' own, for emulators of their own (a migration allows them). */
export type Bucket = 'test' | 'live' | `test:${string}`

/** Test-mode keys share the test bucket (25 req/s); live keys the live one (100 req/s). */
export function bucketFor(secretKey: string): Bucket {
  return /^(sk|rk)_live_/.test(secretKey) ? 'live' : 'test'
}

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
