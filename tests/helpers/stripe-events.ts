// Stripe-shaped events signed as Stripe signs them, for posting to stripe-webhook in tests.
import Stripe from 'stripe'
import { LOCAL_WEBHOOK_SECRET } from '../../dev/stack/services.ts'
import { functionsUrl } from './stack.ts'

export { fakeEvent } from './stripe-event-envelope.ts'

/** A raw body and the `stripe-signature` header Stripe would send with it (tests and `npm run bench`). */
export async function signPayload(payload: string, secret = LOCAL_WEBHOOK_SECRET): Promise<{ payload: string; signature: string }> {
  return { payload, signature: await Stripe.webhooks.generateTestHeaderStringAsync({ payload, secret }) }
}

/** Posts a raw body to stripe-webhook with a valid signature (no JWT: the function does not check one). */
export async function postSigned(body: string, url = `${functionsUrl}/stripe-webhook`, secret = LOCAL_WEBHOOK_SECRET): Promise<Response> {
  const { signature } = await signPayload(body, secret)
  return fetch(url, { method: 'POST', body, headers: { 'stripe-signature': signature, 'content-type': 'application/json' } })
}
