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
  return new Stripe(env('STRIPE_SECRET_KEY'), { ...config, ...stripeHostOptions(env('STRIPE_API_BASE', '')) })
}

/** Client options for a Stripe API at `base` (the emulator); none for api.stripe.com (empty base). */
export function stripeHostOptions(base: string | undefined): Partial<Stripe.StripeConfig> {
  if (!base) return {}
  const url = new URL(base)
  return { host: url.hostname, port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)), protocol: url.protocol === 'https:' ? 'https' : 'http' }
}
