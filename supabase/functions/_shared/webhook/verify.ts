// Verifies a Stripe webhook against every configured secret (several during a secret rotation), with
// Stripe's 300 s tolerance, and says precisely why a request was refused.
import Stripe from 'stripe'
import { HttpError } from '../errors.ts'

const crypto = Stripe.createSubtleCryptoProvider()
export const SIGNATURE_TOLERANCE_SECONDS = 300

export interface Verified {
  event: unknown
  /** Which secret matched, as `#<position> <sha256 prefix>`: enough to audit a rotation, never the secret. */
  verifiedBy: string
}

async function fingerprint(secret: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(secret))
  return [...new Uint8Array(digest).slice(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join('')
}

/** Parses STRIPE_WEBHOOK_SECRETS (comma-separated). */
export function parseSecrets(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter(Boolean)
}

export async function verifyStripeRequest(rawBody: string, header: string | null, secrets: string[]): Promise<Verified> {
  if (!header) throw new HttpError(400, 'missing Stripe-Signature header')
  if (secrets.length === 0) throw new Error('STRIPE_WEBHOOK_SECRETS is empty')
  let expired = false
  let malformed = false
  for (const [i, secret] of secrets.entries()) {
    try {
      const event = await Stripe.webhooks.constructEventAsync(rawBody, header, secret, SIGNATURE_TOLERANCE_SECONDS, crypto)
      return { event, verifiedBy: `#${i + 1} ${await fingerprint(secret)}` }
    } catch (err) {
      // The signature matched but the body does not parse: signed, yet not an event.
      if (err instanceof SyntaxError) throw new HttpError(400, 'signed body is not JSON', { cause: err })
      const message = err instanceof Error ? err.message : String(err)
      if (message.startsWith('Timestamp outside')) expired = true
      else if (message.startsWith('Unable to extract') || message.startsWith('No signatures found with expected scheme')) malformed = true
    }
  }
  if (expired) throw new HttpError(400, `signature timestamp is outside the ${SIGNATURE_TOLERANCE_SECONDS} s tolerance`)
  if (malformed) throw new HttpError(400, 'malformed Stripe-Signature header')
  throw new HttpError(400, 'signature does not match any configured webhook secret')
}
