// The bench's events sent again later in a run (the peer on the lag's events, at the end of `npm run
// bench`) are signed again: a signature older than Stripe's 300 s tolerance is refused, so the peer's CPU
// figure would be a refusal's, not an ack's.
import Stripe from 'stripe'
import { describe, expect, it } from 'vitest'
import { signedAgain } from '../../dev/bench/events.ts'
import { LOCAL_WEBHOOK_SECRET } from '../../dev/stack/services.ts'
import { verifyStripeRequest } from '../../supabase/functions/_shared/webhook/verify.ts'

const encoder = new TextEncoder()

describe('bench events signed again', () => {
  it('turns signatures past the tolerance into current ones over the same events', async () => {
    const old = Math.floor(Date.now() / 1000) - 600
    const signed = await Promise.all(['evt_a', 'evt_b'].map(async (id) => {
      const payload = JSON.stringify({ id, object: 'event' })
      return { id, payload, signature: await Stripe.webhooks.generateTestHeaderStringAsync({ payload, secret: LOCAL_WEBHOOK_SECRET, timestamp: old }) }
    }))
    for (const s of signed) expect(() => verifyStripeRequest(encoder.encode(s.payload), s.signature, [LOCAL_WEBHOOK_SECRET])).toThrow(/outside the 300 s tolerance/)
    const again = await signedAgain(signed)
    expect(again.map((s) => [s.id, s.payload])).toEqual(signed.map((s) => [s.id, s.payload]))
    for (const s of again) expect(verifyStripeRequest(encoder.encode(s.payload), s.signature, [LOCAL_WEBHOOK_SECRET]).verifiedBy).toMatch(/^#1 /)
  })
})
