// Verifies a Stripe webhook against every configured secret (several during a secret rotation), with
// Stripe's 300 s tolerance, and says precisely why a request was refused. The signature is checked over
// the body's bytes as they came (what Stripe signs), before the body is decoded or parsed (handler.ts).
//
// The check is Stripe's scheme (HMAC-SHA256 of `<t>.<raw body>`, hex, compared with each `v1` of the
// header), done here rather than by the stripe SDK's verifyHeaderAsync: that one imports the secret as
// a key on every call and was two thirds of the webhook's CPU per request. The HMAC is computed in this
// thread, synchronously (@noble/hashes, audited, pure JS), from a state keyed once per secret: with
// crypto.subtle each request's hash went to a thread-pool thread and woke the event loop once more when
// done, and node:crypto's Hmac builds a stream per call; both cost the functions host more CPU per
// request than the hash itself (issue 15).
import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { HttpError } from '../errors.ts'

const SIGNATURE_TOLERANCE_SECONDS = 300

export interface Verified {
  /** Which secret matched, as `#<position> <sha256 prefix>`: enough to audit a rotation, never the secret. */
  verifiedBy: string
}

const encoder = new TextEncoder()
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'))
function hex(bytes: Uint8Array): string {
  let out = ''
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i]]
  return out
}

/**
 * Per secret, once: the HMAC state after the key and the secret's fingerprint. Each request copies the
 * state into one scratch state (no allocation; verification is synchronous, so never interleaved).
 */
interface Keyed {
  mac: ReturnType<typeof hmac.create>
  fingerprint: string
}
const keyed = new Map<string, Keyed>()
const scratch = hmac.create(sha256, new Uint8Array(0))
const mac = new Uint8Array(32)
function keyFor(secret: string): Keyed {
  let k = keyed.get(secret)
  if (!k) {
    const bytes = encoder.encode(secret)
    k = { mac: hmac.create(sha256, bytes), fingerprint: hex(sha256(bytes).subarray(0, 4)) }
    keyed.set(secret, k)
  }
  return k
}

/** Constant time for equal lengths: how much of a guess matched must not show in the answer's timing. */
function sameHex(a: string, b: string): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i)
  return diff === 0
}

// Stripe's documented header shape, `t=<unix seconds>,v1=<hex signature>[,...]`: a header without both
// elements can match no secret, so it is refused as malformed before any is tried.
const WELL_FORMED = /(^|,)t=\d+(,|$)/
const HAS_V1 = /(^|,)v1=[^,]+/
const refuse = (code: string, message: string) => new HttpError(400, code, message)

/** The header's timestamp and its v1 signatures (other schemes, such as Stripe's test-only v0, ignored). */
function parseHeader(header: string): { t: number; v1: string[] } {
  let t = NaN
  const v1: string[] = []
  for (const item of header.split(',')) {
    const at = item.indexOf('=')
    const [k, v] = [item.slice(0, at), item.slice(at + 1)]
    if (k === 't') t = Number(v)
    else if (k === 'v1') v1.push(v)
  }
  return { t, v1 }
}

export function verifyStripeRequest(body: Uint8Array, header: string | null, secrets: string[]): Verified {
  if (!header) throw refuse('missing_signature', 'missing Stripe-Signature header')
  if (secrets.length === 0) throw new Error('STRIPE_WEBHOOK_SECRETS is empty')
  if (!WELL_FORMED.test(header) || !HAS_V1.test(header)) throw refuse('malformed_signature', 'malformed Stripe-Signature header')
  const { t, v1 } = parseHeader(header)
  const prefix = encoder.encode(`${t}.`)
  for (const [i, secret] of secrets.entries()) {
    const key = keyFor(secret)
    key.mac._cloneInto(scratch).update(prefix).update(body).digestInto(mac)
    const expected = hex(mac)
    if (!v1.some((s) => sameHex(s, expected))) continue
    // Only a matching signature is checked for age: an expired one is told apart from another secret's.
    if (Math.floor(Date.now() / 1000) - t > SIGNATURE_TOLERANCE_SECONDS) {
      throw refuse('signature_expired', `signature timestamp is outside the ${SIGNATURE_TOLERANCE_SECONDS} s tolerance`)
    }
    return { verifiedBy: `#${i + 1} ${key.fingerprint}` }
  }
  throw refuse('signature_mismatch', 'signature does not match any configured webhook secret')
}
