// Wakes the sync worker after an event commits, without making Stripe wait. At most one kick per
// function instance is in flight; events arriving meanwhile cause one more kick when it returns, so
// a burst of webhooks does not become a burst of workers (pg_cron's minutely call is the safety net).
import { env } from '../env.ts'

let inFlight = false
let again = false

declare const EdgeRuntime: { waitUntil(p: Promise<unknown>): void } | undefined

export function kickSync(): void {
  if (inFlight) {
    again = true
    return
  }
  inFlight = true
  const done = fetch(`${env('SUPABASE_URL')}/functions/v1/stripe-sync`, {
    method: 'POST',
    headers: { authorization: `Bearer ${env('SUPABASE_SERVICE_ROLE_KEY')}`, 'content-type': 'application/json' },
    body: '{"trigger":"webhook"}',
  })
    .then(async (res) => {
      await res.body?.cancel()
      if (res.status >= 500) console.warn(`stripe-webhook: sync kick answered ${res.status}`)
    })
    .catch((err) => console.warn('stripe-webhook: sync kick failed:', err))
    .finally(() => {
      inFlight = false
      if (again) {
        again = false
        kickSync()
      }
    })
  // On Supabase's edge runtime, keep the instance alive until the kick is sent.
  if (typeof EdgeRuntime !== 'undefined') EdgeRuntime.waitUntil(done)
}
