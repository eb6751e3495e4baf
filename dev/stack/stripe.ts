// A Node `stripe` client for a profile's emulator, for scripts and tests (the functions build their own).
import Stripe from 'stripe'
import type { Profile } from './config.ts'
import { LOCAL_STRIPE_KEY } from './services.ts'
import { STRIPE_API_VERSION } from '../../supabase/functions/_shared/stripe/client.ts'

export function stripeFor(p: Profile): Stripe {
  return emulatorClient(p.ports.stripe, { maxNetworkRetries: 2 })
}

/** The official client pointed at an emulator on 127.0.0.1:<port>, at the pinned API version. */
export function emulatorClient(port: number, opts: { key?: string; maxNetworkRetries?: number; timeout?: number } = {}): Stripe {
  return new Stripe(opts.key ?? LOCAL_STRIPE_KEY, {
    apiVersion: STRIPE_API_VERSION, host: '127.0.0.1', port, protocol: 'http', maxNetworkRetries: opts.maxNetworkRetries ?? 0,
    ...(opts.timeout ? { timeout: opts.timeout } : {}),
  })
}
