// A Node `stripe` client for a profile's emulator, for scripts and tests (the functions build their own).
import Stripe from 'stripe'
import type { Profile } from './config.ts'
import { LOCAL_STRIPE_KEY } from './services.ts'
import { STRIPE_API_VERSION } from '../../supabase/functions/_shared/stripe/client.ts'

export function stripeFor(p: Profile): Stripe {
  return new Stripe(LOCAL_STRIPE_KEY, { apiVersion: STRIPE_API_VERSION, host: '127.0.0.1', port: p.ports.stripe, protocol: 'http', maxNetworkRetries: 2 })
}
