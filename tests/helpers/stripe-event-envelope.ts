// Stripe's event envelope around an object, built here once for every test and dev tool that posts or
// records events (the emulator, being Stripe, builds its own). Imports nothing that needs a running
// stack, so unit tests and dev/bench can use it alike.
import { STRIPE_API_VERSION } from '../../supabase/functions/_shared/stripe/client.ts'

/** An event as Stripe sends it, of the pinned API version, created now. */
export function fakeEvent<T extends object>(type: string, object: T, id = `evt_${Math.random().toString(36).slice(2, 14)}`) {
  return {
    id,
    object: 'event',
    api_version: STRIPE_API_VERSION,
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
    data: { object },
  }
}
