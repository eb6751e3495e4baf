// What every Stripe fetch needs (a client whose requests draw from the shared limiter, see client.ts),
// and the one place a Stripe call's failure is classified. Retries are the library's (maxNetworkRetries).
import type Stripe from 'stripe'
import { NonRetriableError, RetryAfterError } from '../errors.ts'
import { retryAfterMs } from './limited-http-client.ts'

export interface StripeContext {
  /** Built by stripeClient / limitedStripe: every request takes a token from the shared bucket. */
  stripe: Stripe
}

/** True when Stripe says the object does not exist (404 resource_missing). */
export function isMissing(err: unknown): boolean {
  const e = err as { statusCode?: number; code?: string }
  return e?.statusCode === 404 || e?.code === 'resource_missing'
}

/**
 * One Stripe call (any number of requests: pages, the library's retries). A 429 becomes a RetryAfterError
 * (the limiter has paused the bucket; the queue brings the work back after Retry-After), as does a
 * bucket that granted no token in time; a 400 other than "missing" is a request retrying cannot fix
 * (NonRetriableError). Whatever else fails goes back to the queue with backoff.
 */
export async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await withoutCallSite(fn)
  } catch (err) {
    const e = err as { statusCode?: number; message?: string; headers?: Record<string, unknown>; detail?: unknown }
    if (e?.detail instanceof RetryAfterError) throw e.detail
    if (e?.statusCode === 429) {
      const wait = retryAfterMs(e.headers)
      throw new RetryAfterError(`${what}: Stripe answered 429; retrying after ${wait} ms`, wait, { cause: err })
    }
    if (e?.statusCode === 400 && !isMissing(err)) throw new NonRetriableError(`${what}: ${e.message}`, { cause: err })
    throw err
  }
}

/**
 * Runs `fn`'s synchronous part (where the client builds and sends its request) without stack traces: the
 * client records its caller's stack on every request (`new Error().stack`, for the errors it may raise
 * later), and formatting one costs ~0.1 ms of CPU under Deno, once per Stripe call of each synced group.
 * Our errors say what was called (`what`); the error's own stack is taken as usual.
 */
function withoutCallSite<T>(fn: () => Promise<T>): Promise<T> {
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    return fn()
  } finally {
    Error.stackTraceLimit = limit
  }
}

/** Each object by id through `call`, in order; one Stripe says does not exist is left out. */
export async function retrieveEach<T>(what: string, ids: string[], retrieve: (id: string) => Promise<T>): Promise<T[]> {
  const found: T[] = []
  for (const id of ids) {
    try {
      found.push(await call(`retrieve ${what} ${id}`, () => retrieve(id)))
    } catch (err) {
      if (!isMissing(err)) throw err
    }
  }
  return found
}
