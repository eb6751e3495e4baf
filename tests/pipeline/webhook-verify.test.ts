// The webhook's signature check (verify.ts) on its own: Stripe's scheme as the official library signs it,
// over the body's bytes as they came, computed in the request's own turn of the event loop (no promise:
// no thread-pool hop per request).
import { createHash, createHmac } from 'node:crypto'
import Stripe from 'stripe'
import { describe, expect, test } from 'vitest'
import { verifyStripeRequest } from '../../supabase/functions/_shared/webhook/verify.ts'

const OLD = 'whsec_verify_old'
const NEW = 'whsec_verify_new'
const body = JSON.stringify({ id: 'evt_verify_1', object: 'event', note: 'caf\u00e9 \u{1F600}' })
const bytes = (text: string) => new TextEncoder().encode(text)
const now = () => Math.floor(Date.now() / 1000)

describe('verifyStripeRequest', () => {
  test('answers synchronously, with which secret matched', () => {
    const header = Stripe.webhooks.generateTestHeaderString({ payload: body, secret: NEW })
    const out = verifyStripeRequest(bytes(body), header, [OLD, NEW])
    expect(out).not.toBeInstanceOf(Promise)
    expect(out.verifiedBy).toBe(`#2 ${createHash('sha256').update(NEW).digest('hex').slice(0, 8)}`)
  })

  test('the HMAC is over `<t>.` and the body, each secret keyed separately, again and again', () => {
    // One scratch state serves every request: a state carried over from the previous one would mix it in.
    for (let i = 0; i < 3; i++) {
      for (const secret of [OLD, NEW]) {
        const t = now() - i
        const v1 = createHmac('sha256', secret).update(`${t}.${body}`, 'utf8').digest('hex')
        expect(verifyStripeRequest(bytes(body), `t=${t},v1=${v1}`, [OLD, NEW]).verifiedBy).toMatch(secret === OLD ? /^#1 / : /^#2 /)
      }
    }
  })

  test('the bytes are verified as they came, not as decoded text (which would replace what is not UTF-8)', () => {
    const raw = Buffer.concat([Buffer.from('{"note":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')])
    const t = now()
    const v1 = createHmac('sha256', NEW).update(`${t}.`).update(raw).digest('hex')
    expect(verifyStripeRequest(new Uint8Array(raw), `t=${t},v1=${v1}`, [NEW]).verifiedBy).toMatch(/^#1 /)
  })

  test('a signature of the same body with another timestamp does not verify', () => {
    const v1 = createHmac('sha256', NEW).update(`${now() - 1}.${body}`).digest('hex')
    expect(() => verifyStripeRequest(bytes(body), `t=${now()},v1=${v1}`, [NEW])).toThrow(/does not match/)
  })
})
