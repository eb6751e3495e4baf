// What every Stripe fetch needs: the client, the database (for the shared limiter) and the bucket.
import type postgres from 'postgres'
import type Stripe from 'stripe'
import { NonRetriableError } from '../errors.ts'
import { limited, type Bucket } from './limiter.ts'

export interface StripeContext {
  stripe: Stripe
  sql: postgres.Sql
  bucket: Bucket
}

/** True when Stripe says the object does not exist (404 resource_missing). */
export function isMissing(err: unknown): boolean {
  const e = err as { statusCode?: number; code?: string }
  return e?.statusCode === 404 || e?.code === 'resource_missing'
}

/**
 * One Stripe call under the shared limiter. A 400 other than "missing" is a request retrying cannot
 * fix (NonRetriableError); 401/403, 5xx and network errors stay retriable (a key can be fixed,
 * an outage ends); 429 is handled by the limiter.
 */
export async function call<T>(ctx: StripeContext, what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await limited(ctx.sql, ctx.bucket, fn)
  } catch (err) {
    const e = err as { statusCode?: number; message?: string }
    if (e?.statusCode === 400 && !isMissing(err)) throw new NonRetriableError(`${what}: ${e.message}`, { cause: err })
    throw err
  }
}
