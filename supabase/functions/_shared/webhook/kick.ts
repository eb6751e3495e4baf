// Wakes the sync worker without making the caller wait: stripe-webhook after an event commits, and
// stripe-sync itself when it stopped at its CPU or wall budget with work left. A worker drains the whole
// queue, so one kick per burst is enough: per request body, at most MAX_IN_FLIGHT kicks are in flight per
// function instance and kicks are at least KICK_INTERVAL_MS apart; a kick asked for while they are all in
// flight earns one trailing kick. pg_cron's drain job is the safety net if a kick is lost.
import { required } from '../config.ts'
import { SETTLE_MS } from '../settle-window.ts'

/**
 * Each invocation costs stripe-sync a fixed share of CPU (the request's hop, its reads, the workflow
 * claim, the usage line), whatever it drains: on the lag load (50 events/s in bursts of 5 per customer)
 * 250 ms gave ~80 invocations per 1,000 events of 2-3 groups each, 400 ms ~50 of 4 each, for ~0.2 ms less
 * host CPU per event (worker 1.19 -> 1.00, gateway 1.22 -> 1.09) and ~40 ms more lag at p50 (124 -> 162
 * ms), ~130 ms at p99 (244 -> 378 ms): well inside issue 15's 300 ms / 1 s.
 */
export const KICK_INTERVAL_MS = 400
/**
 * Two: after draining, an invocation runs the due workflows and sends their emails (a second or more
 * under load) before it answers; a second invocation drains what arrives meanwhile instead of leaving it
 * until the first answers. Concurrent workers are safe by design (visibility timeouts, per-customer locks).
 */
const MAX_IN_FLIGHT = 2

interface KickState {
  inFlight: number
  pending: boolean
  lastKick: number
  /** When the pending kick was first asked for (the first event of a burst, or of a wait for a slot). */
  pendingSince: number
  timer?: ReturnType<typeof setTimeout>
}
const states = new Map<string, KickState>()

declare const EdgeRuntime: { waitUntil(p: Promise<unknown>): void } | undefined

function send(body: string, s: KickState): void {
  s.inFlight++
  s.pending = false
  s.lastKick = Date.now()
  const done = fetch(`${required('SUPABASE_URL')}/functions/v1/stripe-sync`, {
    method: 'POST',
    headers: { authorization: `Bearer ${required('SUPABASE_SERVICE_ROLE_KEY')}`, 'content-type': 'application/json' },
    body,
  })
    .then(async (res) => {
      await res.body?.cancel()
      if (res.status >= 500) console.warn(`stripe-sync kick ${body} answered ${res.status}`)
    })
    .catch((err) => console.warn(`stripe-sync kick ${body} failed:`, err))
    .finally(() => {
      s.inFlight--
      if (s.pending) kick(body)
    })
  // On Supabase's edge runtime, keep the instance alive until the kick is sent.
  if (typeof EdgeRuntime !== 'undefined') EdgeRuntime.waitUntil(done)
}

/**
 * How long a kick first asked for at `pendingSince` still waits at `now`: SETTLE_MS from that first ask
 * (not from now: a kick that waited for a free slot already let its burst settle) and KICK_INTERVAL_MS
 * from the last kick.
 */
export function kickDelay(lastKick: number, pendingSince: number, now: number): number {
  return Math.max(0, pendingSince + SETTLE_MS - now, lastKick + KICK_INTERVAL_MS - now)
}

function kick(body: string): void {
  let s = states.get(body)
  if (!s) states.set(body, s = { inFlight: 0, pending: false, lastKick: 0, pendingSince: 0 })
  if (!s.pending) s.pendingSince = Date.now()
  s.pending = true
  if (s.inFlight >= MAX_IN_FLIGHT || s.timer) return
  const wait = kickDelay(s.lastKick, s.pendingSince, Date.now())
  if (wait <= 0) return send(body, s)
  const state = s
  let fired = () => {}
  const sent = new Promise<void>((resolve) => fired = resolve)
  s.timer = setTimeout(() => {
    state.timer = undefined
    if (state.pending && state.inFlight < MAX_IN_FLIGHT) send(body, state)
    fired()
  }, wait)
  // On Supabase's edge runtime, keep the instance alive until the waiting kick is sent too (the answer
  // that asked for it may be gone by then); send's own waitUntil then covers the request.
  if (typeof EdgeRuntime !== 'undefined') EdgeRuntime.waitUntil(sent)
}

/** Asks for a stripe-sync run with this request body (default: a drain, as the webhook asks). */
export function kickSync(request: Record<string, unknown> = { trigger: 'webhook' }): void {
  kick(JSON.stringify(request))
}
