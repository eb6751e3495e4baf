// The Stripe client every function uses. The API version is pinned here and nowhere else.
import Stripe from 'stripe'
import { env } from '../env.ts'

/** The Stripe API version the product is built for (the `stripe` package 23.1.0 targets it). */
export const STRIPE_API_VERSION = '2026-10-28.endive' as const

/**
 * A client for STRIPE_SECRET_KEY. STRIPE_API_BASE points it elsewhere (the local emulator); it is
 * unset in production. Retries are ours (the queue's visibility timeout), not the library's.
 */
export function stripeClient(): Stripe {
  const config: ConstructorParameters<typeof Stripe>[1] = {
    apiVersion: STRIPE_API_VERSION,
    httpClient: Stripe.createFetchHttpClient(),
    maxNetworkRetries: 0,
    timeout: Number(env('STRIPE_TIMEOUT_MS', '10000')),
  }
  const base = env('STRIPE_API_BASE', '')
  if (base) {
    const url = new URL(base)
    config.host = url.hostname
    config.port = Number(url.port || (url.protocol === 'https:' ? 443 : 80))
    config.protocol = url.protocol === 'https:' ? 'https' : 'http'
  }
  return new Stripe(env('STRIPE_SECRET_KEY'), config)
}
