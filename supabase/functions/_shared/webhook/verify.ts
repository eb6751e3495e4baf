// Verifies a Stripe webhook against every configured secret (several during a secret rotation), with
// Stripe's 300 s tolerance, and says precisely why a request was refused.
import Stripe from 'stripe'
import { HttpError } from '../errors.ts'

const crypto = Stripe.createSubtleCryptoProvider()
const SIGNATURE_TOLERANCE_SECONDS = 300

export interface Verified {
  event: unknown
  /** Which secret matched, as `#<position> <sha256 prefix>`: enough to audit a rotation, never the secret. */
  verifiedBy: string
}

// Computed once per secret: a digest per request was a third of the verification's cost.
const fingerprints = new Map<string, Promise<string>>()
function fingerprint(secret: string): Promise<string> {
  let fp = fingerprints.get(secret)
  if (!fp) {
    fp = globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(secret))
      .then((digest) => [...new Uint8Array(digest).slice(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(''))
    fingerprints.set(secret, fp)
  }
  return fp
}

// Stripe's documented header shape, `t=<unix seconds>,v1=<hex signature>[,...]`: a header without both
// elements can match no secret, so it is refused as malformed before any is tried.
const WELL_FORMED = /(^|,)t=\d+(,|$)/
const HAS_V1 = /(^|,)v1=[^,]+/
const isSignatureError = (err: unknown) => err instanceof Stripe.errors.StripeSignatureVerificationError
const refuse = (code: string, message: string, cause?: unknown) => new HttpError(400, code, message, { cause })

/** The secret that signed the body, or null; only Stripe's signature errors mean "not this one". */
async function signedWith(rawBody: string, header: string, secret: string, tolerance: number): Promise<boolean> {
  try {
    // The signature alone, then our own parse: constructEvent refuses thin (v2) events after a
    // signature that matched, which would read as a wrong secret. Tolerance 0 skips the age check.
    await Stripe.webhooks.signature!.verifyHeaderAsync(rawBody, header, secret, tolerance, crypto)
    return true
  } catch (err) {
    if (isSignatureError(err)) return false
    throw err
  }
}

export async function verifyStripeRequest(rawBody: string, header: string | null, secrets: string[]): Promise<Verified> {
  if (!header) throw refuse('missing_signature', 'missing Stripe-Signature header')
  if (secrets.length === 0) throw new Error('STRIPE_WEBHOOK_SECRETS is empty')
  if (!WELL_FORMED.test(header) || !HAS_V1.test(header)) throw refuse('malformed_signature', 'malformed Stripe-Signature header')
  for (const [i, secret] of secrets.entries()) {
    // One HMAC for a fresh, matching signature (the usual case); only a refusal is checked again
    // without the age limit, to tell an expired signature from another secret's.
    if (!(await signedWith(rawBody, header, secret, SIGNATURE_TOLERANCE_SECONDS))) {
      if (!(await signedWith(rawBody, header, secret, 0))) continue
      throw refuse('signature_expired', `signature timestamp is outside the ${SIGNATURE_TOLERANCE_SECONDS} s tolerance`)
    }
    let event: unknown
    try {
      event = JSON.parse(rawBody)
    } catch (err) {
      throw refuse('not_json', 'signed body is not JSON', err)
    }
    return { event, verifiedBy: `#${i + 1} ${await fingerprint(secret)}` }
  }
  throw refuse('signature_mismatch', 'signature does not match any configured webhook secret')
}
