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
  /** Tokens being taken ahead of the requests that will use them (reserve), oldest first. */
  private readonly ahead: Promise<void>[] = []

  constructor(private readonly sql: postgres.Sql, private readonly bucket: Bucket, private readonly inner: Inner = Stripe.createFetchHttpClient()) {
    super()
  }

  /**
   * Starts taking a token for a request the caller is about to send, so that the wait overlaps its other
   * work (the sync's lock and peek). Tokens are alike: the next request of this client uses it, and one
   * that no request ever uses is simply not spent (the bucket errs on the slow side). Its failure (no
   * token within takeToken's wait) is that request's.
   */
  reserve(): void {
    const token = takeToken(this.sql, this.bucket)
    token.catch(() => {})
    this.ahead.push(token)
  }

  override getClientName(): string {
    return `limited-${this.inner.getClientName()}`
  }

  /**
   * A bucket that grants no token within takeToken's wait throws a RetryAfterError here; the library takes
   * it for a network fault (retried, then a StripeConnectionError whose `detail` call() unwraps).
   */
  override async makeRequest(...args: Parameters<Inner['makeRequest']>): ReturnType<Inner['makeRequest']> {
    await (this.ahead.shift() ?? takeToken(this.sql, this.bucket))
    stripeCalls.count++
    const res = await this.inner.makeRequest(...args)
    if (res.getStatusCode() === 429) {
      await this.sql`select billing.service_role_stripe_rate_limited(${this.bucket}, ${retryAfterMs(res.getHeaders())})`
    }
    return res
  }
}
