// What every Stripe fetch needs: the client, the database (for the shared limiter) and the bucket;
// and the one place a Stripe call is made, retried and classified.
import type postgres from 'postgres'
import type Stripe from 'stripe'
import { NonRetriableError, RetryAfterError } from '../errors.ts'
import { limited, type Bucket } from './limiter.ts'

export interface StripeContext {
  stripe: Stripe
  /** For the shared rate limiter only: a pool separate from the sync's transactions (db.ts limiterDb). */
  sql: postgres.Sql
  bucket: Bucket
}

/** True when Stripe says the object does not exist (404 resource_missing). */
export function isMissing(err: unknown): boolean {
  const e = err as { statusCode?: number; code?: string }
  return e?.statusCode === 404 || e?.code === 'resource_missing'
}

/** 429, 5xx, timeouts and network errors: worth another try. */
function isTransient(err: unknown): boolean {
  if (err instanceof RetryAfterError) return true
  const e = err as { statusCode?: number; type?: string }
  return (e?.statusCode !== undefined && e.statusCode >= 500) || e?.type === 'StripeConnectionError' || e?.type === 'StripeAPIError'
}

export const CALL_ATTEMPTS = 3
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * One Stripe call under the shared limiter, retried twice on transient faults (each try takes its own
 * token; after a 429 the limiter makes every worker wait). What still fails goes back to the queue
 * with backoff. A 400 other than "missing" is a request retrying cannot fix (NonRetriableError).
 */
export async function call<T>(ctx: StripeContext, what: string, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await limited(ctx.sql, ctx.bucket, fn)
    } catch (err) {
      const e = err as { statusCode?: number; message?: string }
      if (e?.statusCode === 400 && !isMissing(err)) throw new NonRetriableError(`${what}: ${e.message}`, { cause: err })
      if (attempt >= CALL_ATTEMPTS || !isTransient(err)) throw err
      await sleep(100 * 2 ** attempt * (0.5 + Math.random()))
    }
  }
}

/** Each object by id through `call`, in order; one Stripe says does not exist is left out. */
export async function retrieveEach<T>(ctx: StripeContext, what: string, ids: string[], retrieve: (id: string) => Promise<T>): Promise<T[]> {
  const found: T[] = []
  for (const id of ids) {
    try {
      found.push(await call(ctx, `retrieve ${what} ${id}`, () => retrieve(id)))
    } catch (err) {
      if (!isMissing(err)) throw err
    }
  }
  return found
}
