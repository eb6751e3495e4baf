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
      // The signature alone, then our own parse: constructEvent refuses thin (v2) events after a
      // signature that matched, which would read as a wrong secret.
      await Stripe.webhooks.signature!.verifyHeaderAsync(rawBody, header, secret, SIGNATURE_TOLERANCE_SECONDS, crypto)
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err)
      if (message.startsWith('Timestamp outside')) expired = true
      else if (message.startsWith('Unable to extract') || message.startsWith('No signatures found with expected scheme')) malformed = true
      continue
    }
    let event: unknown
    try {
      event = JSON.parse(rawBody)
    } catch (err) {
      throw new HttpError(400, 'signed body is not JSON', { cause: err })
    }
    return { event, verifiedBy: `#${i + 1} ${await fingerprint(secret)}` }
  }
  if (expired) throw new HttpError(400, `signature timestamp is outside the ${SIGNATURE_TOLERANCE_SECONDS} s tolerance`)
  if (malformed) throw new HttpError(400, 'malformed Stripe-Signature header')
  throw new HttpError(400, 'signature does not match any configured webhook secret')
}
