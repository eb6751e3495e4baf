// The Stripe client every function uses. The API version is pinned here and nowhere else.
import Stripe from 'stripe'
import type postgres from 'postgres'
import { config, required } from '../config.ts'
import { type Bucket, bucketFor } from './limiter.ts'
import { LimitedHttpClient } from './limited-http-client.ts'

/** The Stripe API version the product is built for (the `stripe` package 23.1.0 targets it). */
export const STRIPE_API_VERSION = '2026-10-28.endive' as const

/** Transient faults (5xx, 409, timeouts, network) are retried twice by the library; each try takes a token. */
const MAX_NETWORK_RETRIES = 2

/**
 * A client for `key` whose every request (pages and retries included) draws from `bucket` through
 * `sql` (a pool of its own, db.ts limiterDb). `options` points it elsewhere (the emulator) or tunes it.
 */
export function limitedStripe(key: string, limiter: { sql: postgres.Sql; bucket: Bucket }, options: Partial<Stripe.StripeConfig> = {}): Stripe {
  const httpClient = new LimitedHttpClient(limiter.sql, limiter.bucket)
  const stripe = new Stripe(key, { apiVersion: STRIPE_API_VERSION, maxNetworkRetries: MAX_NETWORK_RETRIES, ...options, httpClient })
  limitedClients.set(stripe, httpClient)
  return stripe
}

const limitedClients = new WeakMap<Stripe, LimitedHttpClient>()

/**
 * Starts taking the token of a request about to be sent with `stripe` (LimitedHttpClient.reserve); a
 * client not built by limitedStripe takes its tokens as it sends.
 */
export function reserveToken(stripe: Stripe): void {
  limitedClients.get(stripe)?.reserve()
}

/**
 * The client for STRIPE_SECRET_KEY, in its key's bucket. STRIPE_API_BASE points it elsewhere (the local
 * emulator); it is unset in production.
 */
export function stripeClient(sql: postgres.Sql): Stripe {
  const key = required('STRIPE_SECRET_KEY')
  return limitedStripe(key, { sql, bucket: bucketFor(key) }, {
    timeout: config().STRIPE_TIMEOUT_MS,
    ...stripeHostOptions(config().STRIPE_API_BASE),
  })
}

/** Client options for a Stripe API at `base` (the emulator); none for api.stripe.com (empty base). */
export function stripeHostOptions(base: string | undefined): Partial<Stripe.StripeConfig> {
  if (!base) return {}
  const url = new URL(base)
  return { host: url.hostname, port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)), protocol: url.protocol === 'https:' ? 'https' : 'http' }
}
