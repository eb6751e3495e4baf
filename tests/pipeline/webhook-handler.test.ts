// The stripe-webhook handler's answers, signed the way Stripe signs (the official library's helper).
import Stripe from 'stripe'
import { describe, expect, test, vi } from 'vitest'
import { handleStripeWebhook, MAX_BODY_BYTES, type RecordedEvent } from '../../supabase/functions/_shared/webhook/handler.ts'
import { fakeEvent } from '../helpers/stripe-event-envelope.ts'

const OLD = 'whsec_test_old_secret_value'
const NEW = 'whsec_test_new_secret_value'

function event(overrides: Record<string, unknown> = {}) {
  return { ...fakeEvent('customer.subscription.updated', { id: 'sub_123', object: 'subscription', customer: 'cus_123', status: 'active' }), ...overrides }
}

async function sign(payload: string, secret: string, timestamp = Math.floor(Date.now() / 1000)) {
  return Stripe.webhooks.generateTestHeaderStringAsync({ payload, secret, timestamp })
}

function deps(secrets = [NEW], record: (e: RecordedEvent) => Promise<boolean> = async () => true) {
  return { secrets, record: vi.fn(record), kick: vi.fn() }
}

function post(body: string, signature?: string) {
  return new Request('http://local/stripe-webhook', {
    method: 'POST',
    body,
    headers: signature ? { 'stripe-signature': signature } : {},
  })
}

async function answer(res: Response) {
  return { status: res.status, body: await res.json() }
}

describe('stripe-webhook signatures', () => {
  test('a correctly signed event is recorded, acknowledged and kicks the sync', async () => {
    const body = JSON.stringify(event())
    const d = deps()
    const { status, body: out } = await answer(await handleStripeWebhook(post(body, await sign(body, NEW)), d))
    expect(status).toBe(200)
    expect(out.duplicate).toBe(false)
    expect(d.record).toHaveBeenCalledOnce()
    expect(d.record.mock.calls[0][0]).toMatchObject({ type: 'customer.subscription.updated', customerId: 'cus_123', objectId: 'sub_123', objectType: 'subscription' })
    expect(d.kick).toHaveBeenCalledOnce()
  })

  test('the recorded payload is the whole signed event: previous_attributes, request and unknown fields kept', async () => {
    const sent = event({
      request: { id: 'req_abc', idempotency_key: 'key-1' },
      future_field: { kept: true },
      data: { object: { id: 'cus_9', object: 'customer', name: 'New' }, previous_attributes: { name: 'Old', email: 'old@example.test' } },
    })
    const body = JSON.stringify(sent)
    const d = deps()
    expect((await handleStripeWebhook(post(body, await sign(body, NEW)), d)).status).toBe(200)
    expect(d.record.mock.calls[0][0].payload).toEqual(sent)
  })

  test('a signature made with another secret is refused with 400 and nothing is recorded', async () => {
    const body = JSON.stringify(event())
    const d = deps()
    const { status, body: out } = await answer(await handleStripeWebhook(post(body, await sign(body, 'whsec_someone_else')), d))
    expect(status).toBe(400)
    expect(out.error).toEqual({ code: 'signature_mismatch', message: expect.stringMatching(/does not match/) })
    expect(d.record).not.toHaveBeenCalled()
  })

  test('a signature older than 300 seconds is refused as expired', async () => {
    const body = JSON.stringify(event())
    const d = deps()
    const old = Math.floor(Date.now() / 1000) - 301
    const { status, body: out } = await answer(await handleStripeWebhook(post(body, await sign(body, NEW, old)), d))
    expect(status).toBe(400)
    expect(out.error).toEqual({ code: 'signature_expired', message: expect.stringMatching(/tolerance/) })
    expect(d.record).not.toHaveBeenCalled()
  })

  test('a request without a Stripe-Signature header is refused', async () => {
    const d = deps()
    const { status, body: out } = await answer(await handleStripeWebhook(post(JSON.stringify(event())), d))
    expect(status).toBe(400)
    expect(out.error).toEqual({ code: 'missing_signature', message: 'missing Stripe-Signature header' })
  })

  test('a malformed Stripe-Signature header is refused as malformed', async () => {
    const { status, body: out } = await answer(await handleStripeWebhook(post(JSON.stringify(event()), 'garbage'), deps()))
    expect(status).toBe(400)
    expect(out.error).toEqual({ code: 'malformed_signature', message: expect.stringMatching(/malformed/) })
  })

  test('a tampered body is refused even with a signature that was valid for the original', async () => {
    const body = JSON.stringify(event())
    const signature = await sign(body, NEW)
    const d = deps()
    const { status } = await answer(await handleStripeWebhook(post(body.replace('active', 'canceled'), signature), d))
    expect(status).toBe(400)
    expect(d.record).not.toHaveBeenCalled()
  })

  test('during a secret rotation an event signed with either configured secret is accepted', async () => {
    const body = JSON.stringify(event())
    const d = deps([OLD, NEW])
    expect((await handleStripeWebhook(post(body, await sign(body, NEW)), d)).status).toBe(200)
    expect(d.record.mock.calls[0][0].verifiedBy).toMatch(/^#2 [0-9a-f]{8}$/)
    expect((await handleStripeWebhook(post(body, await sign(body, OLD)), d)).status).toBe(200)
    expect(d.record.mock.calls[1][0].verifiedBy).toMatch(/^#1 /)
  })

  test('a header carrying signatures for both the old and the new secret verifies', async () => {
    const body = JSON.stringify(event())
    const t = Math.floor(Date.now() / 1000)
    const v1 = (h: string) => h.split(',').find((p) => p.startsWith('v1='))!
    const header = `t=${t},${v1(await sign(body, OLD, t))},${v1(await sign(body, NEW, t))}`
    expect((await handleStripeWebhook(post(body, header), deps([NEW]))).status).toBe(200)
  })

  test('a valid signature over a body that is not JSON is refused', async () => {
    const body = 'not json at all'
    const { status, body: out } = await answer(await handleStripeWebhook(post(body, await sign(body, NEW)), deps()))
    expect(status).toBe(400)
    expect(out.error).toEqual({ code: 'not_json', message: expect.stringMatching(/not JSON/) })
  })

  test('a valid signature over JSON that is not an event is refused', async () => {
    const body = JSON.stringify({ hello: 'world' })
    const { status, body: out } = await answer(await handleStripeWebhook(post(body, await sign(body, NEW)), deps()))
    expect(status).toBe(400)
    expect(out.error).toEqual({ code: 'not_a_stripe_event', message: expect.stringMatching(/not a Stripe event/) })
  })

  test('a connected account\'s event is recorded with its account and no customer to sync', async () => {
    const body = JSON.stringify(event({ account: 'acct_1Connected' }))
    const d = deps()
    expect((await handleStripeWebhook(post(body, await sign(body, NEW)), d)).status).toBe(200)
    expect(d.record.mock.calls[0][0]).toMatchObject({ account: 'acct_1Connected', customerId: null, objectType: 'subscription', objectId: 'sub_123' })
  })

  test('a thin event (API v2 event destinations) is recorded with the object it refers to and acknowledged', async () => {
    const thin = {
      id: 'evt_test_65R9Ijk8Z8Q1Yy2kD8h16R0tqh0KSQgyPb2MFxFI3ZMlMq', object: 'v2.core.event', type: 'v1.billing.meter.error_report_triggered',
      created: '2026-11-20T10:00:00.000Z', livemode: false, context: null,
      related_object: { id: 'mtr_test_61R9Ijk', type: 'billing.meter', url: '/v1/billing/meters/mtr_test_61R9Ijk' },
    }
    const body = JSON.stringify(thin)
    const d = deps()
    const { status, body: out } = await answer(await handleStripeWebhook(post(body, await sign(body, NEW)), d))
    expect(status).toBe(200)
    expect(out).toEqual({ received: true, id: thin.id, duplicate: false })
    expect(d.record.mock.calls[0][0]).toMatchObject({
      type: thin.type, apiVersion: null, created: new Date(thin.created), objectType: 'billing.meter', objectId: 'mtr_test_61R9Ijk', customerId: null, payload: thin,
    })
  })

  test('a thin event without its ISO creation time is refused like any body that is not an event', async () => {
    const body = JSON.stringify({ id: 'evt_test_1', object: 'v2.core.event', type: 'v1.billing.meter.no_meter_found', created: 1700000000, livemode: false })
    const d = deps()
    const { status, body: out } = await answer(await handleStripeWebhook(post(body, await sign(body, NEW)), d))
    expect(status).toBe(400)
    expect(out.error).toEqual({ code: 'not_a_stripe_event', message: expect.stringMatching(/not a Stripe event/) })
    expect(d.record).not.toHaveBeenCalled()
  })
})

describe('stripe-webhook requests and storage', () => {
  test('methods other than POST are answered 405', async () => {
    const res = await handleStripeWebhook(new Request('http://local/stripe-webhook'), deps())
    expect(res.status).toBe(405)
    expect(res.headers.get('allow')).toBe('POST')
  })

  test('a body over 1 MB is answered 413 without being verified or recorded', async () => {
    const body = JSON.stringify(event({ padding: 'x'.repeat(MAX_BODY_BYTES) }))
    const d = deps()
    const { status } = await answer(await handleStripeWebhook(post(body, await sign(body, NEW)), d))
    expect(status).toBe(413)
    expect(d.record).not.toHaveBeenCalled()
  })

  test('a duplicate delivery is acknowledged as a duplicate and does not kick the sync', async () => {
    const body = JSON.stringify(event())
    const d = deps([NEW], async () => false)
    const { status, body: out } = await answer(await handleStripeWebhook(post(body, await sign(body, NEW)), d))
    expect(status).toBe(200)
    expect(out.duplicate).toBe(true)
    expect(d.kick).not.toHaveBeenCalled()
  })

  test('when the database cannot store the event the answer is 503 so Stripe retries', async () => {
    const body = JSON.stringify(event())
    const d = deps([NEW], async () => {
      throw new Error('connect ECONNREFUSED')
    })
    const res = await handleStripeWebhook(post(body, await sign(body, NEW)), d)
    expect(res.status).toBe(503)
    expect(d.kick).not.toHaveBeenCalled()
  })

  test('event types the product does not act on are still recorded and acknowledged', async () => {
    const body = JSON.stringify(event({ type: 'radar.early_fraud_warning.created', data: { object: { id: 'issfr_1', object: 'radar.early_fraud_warning', charge: 'ch_1' } } }))
    const d = deps()
    expect((await handleStripeWebhook(post(body, await sign(body, NEW)), d)).status).toBe(200)
    expect(d.record.mock.calls[0][0]).toMatchObject({ type: 'radar.early_fraud_warning.created', customerId: null })
  })

  test('an event rendered for another API version is recorded with the mismatch flagged', async () => {
    const body = JSON.stringify(event({ api_version: '2024-06-20' }))
    const d = deps()
    await handleStripeWebhook(post(body, await sign(body, NEW)), d)
    expect(d.record.mock.calls[0][0]).toMatchObject({ apiVersion: '2024-06-20', apiVersionMismatch: true })
  })

  test('a customer event routes to the customer itself and an expanded customer routes by its id', async () => {
    const d = deps()
    for (const data of [
      { object: { id: 'cus_9', object: 'customer', email: 'a@b.c' } },
      { object: { id: 'in_9', object: 'invoice', customer: { id: 'cus_9', object: 'customer' } } },
    ]) {
      const body = JSON.stringify(event({ type: 'x.y', data }))
      await handleStripeWebhook(post(body, await sign(body, NEW)), d)
    }
    expect(d.record.mock.calls.map((c) => c[0].customerId)).toEqual(['cus_9', 'cus_9'])
  })
})

describe('stripe-webhook accepts what Stripe sends and never answers 5xx for what a retry cannot fix', () => {
  const signedPost = async (sent: unknown, d = deps()) => {
    const body = JSON.stringify(sent)
    return { d, ...(await answer(await handleStripeWebhook(post(body, await sign(body, NEW)), d))) }
  }

  test('fields Stripe sends as null that we do not read (previous_attributes, request, context, pending_webhooks) are accepted', async () => {
    for (const sent of [
      event({ data: { object: { id: 'cus_1', object: 'customer' }, previous_attributes: null } }),
      event({ request: null }),
      event({ request: { id: null, idempotency_key: null } }),
      event({ context: null, pending_webhooks: null }),
      event({ data: { object: { id: 'cus_1', object: 'customer' }, previous_attributes: 'unexpected' } }),
    ]) {
      const { status, d } = await signedPost(sent)
      expect(status, JSON.stringify(sent)).toBe(200)
      expect(d.record.mock.calls[0][0].payload).toEqual(sent)
    }
  })

  test('fields we read but Stripe may send as null (api_version, account) are recorded as null', async () => {
    const { status, d } = await signedPost(event({ api_version: null, account: null }))
    expect(status).toBe(200)
    expect(d.record.mock.calls[0][0]).toMatchObject({ apiVersion: null, apiVersionMismatch: false, account: null, customerId: 'cus_123' })
  })

  test('a signed event nested 100,000 levels deep is refused with 400 saying why, and nothing is recorded', async () => {
    const deep = '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000)
    const body = JSON.stringify(event()).replace('"status":"active"', `"status":"active","nested":${deep}`)
    const d = deps()
    const { status, body: out } = await answer(await handleStripeWebhook(post(body, await sign(body, NEW)), d))
    expect(status).toBe(400)
    expect(out.error.code).toBe('event_not_storable')
    expect(out.error.message).toMatch(/cannot be stored: JSON nested deeper than 100 levels \(at data\.object\.nested\.a\.a/)
    expect(d.record).not.toHaveBeenCalled()
  })

  test('lone UTF-16 surrogates in strings and keys become U+FFFD; paired ones (emoji) are kept', async () => {
    const sent = event({ data: { object: { id: 'cus_s', object: 'customer', name: 'A\uD800 B\uDC00 \uD83D\uDE00', metadata: { ['k\uDBFF']: 'v' } } } })
    const { status, d } = await signedPost(sent)
    expect(status).toBe(200)
    expect((d.record.mock.calls[0][0].payload as { data: { object: unknown } }).data.object).toEqual({ id: 'cus_s', object: 'customer', name: 'A\uFFFD B\uFFFD \uD83D\uDE00', metadata: { 'k\uFFFD': 'v' } })
  })

  test('an event id longer than 255 characters or a `created` past year 9999 is refused with 400, not stored to fail', async () => {
    for (const sent of [event({ id: `evt_${'x'.repeat(300)}` }), event({ created: 1e15 })]) {
      const { status, body, d } = await signedPost(sent)
      expect(status).toBe(400)
      expect(body.error.message).toMatch(/not a Stripe event: (id|created) /)
      expect(d.record).not.toHaveBeenCalled()
    }
  })

  test('a routing field that is no id (too long, with spaces) routes as absent, and the event is still recorded', async () => {
    const { status, d } = await signedPost(event({ data: { object: { id: 'in_1', object: 'invoice', customer: 'c'.repeat(5000) } } }))
    expect(status).toBe(200)
    expect(d.record.mock.calls[0][0]).toMatchObject({ objectType: 'invoice', objectId: 'in_1', customerId: null })
    const spaced = await signedPost(event({ data: { object: { id: 'ch 1', object: 'charge', customer: { id: 'cus_2' } } } }))
    expect(spaced.d.record.mock.calls[0][0]).toMatchObject({ objectType: 'charge', objectId: null, customerId: 'cus_2' })
  })

  test('a customer event without its `object` field still routes to that customer', async () => {
    const { d } = await signedPost(event({ type: 'customer.updated', data: { object: { id: 'cus_77', email: 'a@b.c' } } }))
    expect(d.record.mock.calls[0][0]).toMatchObject({ objectType: null, objectId: 'cus_77', customerId: 'cus_77' })
  })
})
