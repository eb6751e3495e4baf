// The Stripe client's HTTP layer: every request it sends (a call, each page of its auto-pagination,
// each of its own retries) first takes a token from the shared bucket in Postgres (DESIGN rule 8), and
// a 429 pauses the bucket so every worker slows down, not just this one.
import Stripe from 'stripe'
import type postgres from 'postgres'
import { type Bucket, takeToken } from './limiter.ts'

/** Counts requests sent, per function instance (reported by the sync worker). */
export const stripeCalls = { count: 0 }

type Inner = ReturnType<typeof Stripe.createFetchHttpClient>

/** How long a 429 asks us to wait (Retry-After, in seconds; 1 s when absent). */
export function retryAfterMs(headers: Record<string, unknown> | undefined): number {
  const seconds = Number(headers?.['retry-after'])
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 1000
}

export class LimitedHttpClient extends Stripe.HttpClient {
  constructor(private readonly sql: postgres.Sql, private readonly bucket: Bucket, private readonly inner: Inner = Stripe.createFetchHttpClient()) {
    super()
  }

  override getClientName(): string {
    return `limited-${this.inner.getClientName()}`
  }

  /**
   * A bucket that grants no token within takeToken's wait throws a RetryAfterError here; the library takes
   * it for a network fault (retried, then a StripeConnectionError whose `detail` call() unwraps).
   */
  override async makeRequest(...args: Parameters<Inner['makeRequest']>): ReturnType<Inner['makeRequest']> {
    await takeToken(this.sql, this.bucket)
    stripeCalls.count++
    const res = await this.inner.makeRequest(...args)
    if (res.getStatusCode() === 429) {
      await this.sql`select billing.service_role_stripe_rate_limited(${this.bucket}, ${retryAfterMs(res.getHeaders())})`
    }
    return res
  }
}
