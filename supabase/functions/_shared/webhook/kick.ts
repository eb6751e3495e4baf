// Wakes the sync worker after an event commits, without making Stripe wait. A worker drains the whole
// queue, so one kick per burst is enough: at most one kick is in flight per function instance and
// kicks are at least KICK_INTERVAL_MS apart; an event arriving meanwhile earns one trailing kick.
// pg_cron's minutely call is the safety net if a kick is lost.
import { env } from '../env.ts'

const KICK_INTERVAL_MS = 250
let inFlight = false
let pending = false
let lastKick = 0
let timer: ReturnType<typeof setTimeout> | undefined

declare const EdgeRuntime: { waitUntil(p: Promise<unknown>): void } | undefined

function send(): void {
  inFlight = true
  pending = false
  lastKick = Date.now()
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
      if (pending) kickSync()
    })
  // On Supabase's edge runtime, keep the instance alive until the kick is sent.
  if (typeof EdgeRuntime !== 'undefined') EdgeRuntime.waitUntil(done)
}

export function kickSync(): void {
  pending = true
  if (inFlight || timer) return
  const wait = lastKick + KICK_INTERVAL_MS - Date.now()
  if (wait <= 0) return send()
  timer = setTimeout(() => {
    timer = undefined
    if (pending && !inFlight) send()
  }, wait)
}
