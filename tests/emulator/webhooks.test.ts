// Delivery as Stripe delivers: envelope, signature, retries with backoff; and seeded chaos.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import Stripe from 'stripe'
import { harness, SECRET, type Harness } from './harness.ts'
import { signPayload } from '../../dev/stripe-emulator/webhooks.ts'

describe('webhook delivery', () => {
  let h: Harness
  beforeAll(async () => {
    h = await harness()
  })
  afterAll(() => h.close())

  it('sends Stripe envelopes that constructEvent verifies, with request ids and previous_attributes', async () => {
    const from = h.received.length
    const c = await h.stripe.customers.create({ email: 'env@example.test' }, { idempotencyKey: 'env-key-1' })
    await h.stripe.customers.update(c.id, { name: 'New name' })
    await h.settle()
    const [created, updated] = h.received.slice(from)
    expect(created.event).toMatchObject({
      object: 'event', api_version: '2026-10-28.endive', livemode: false, type: 'customer.created',
      request: { idempotency_key: 'env-key-1' }, data: { object: { id: c.id, object: 'customer' } },
    })
    expect(created.event.id).toMatch(/^evt_/)
    expect(created.event.request?.id).toMatch(/^req_/)
    expect(typeof created.event.created).toBe('number')
    expect(created.event.pending_webhooks).toBe(1)
    expect(updated.event.type).toBe('customer.updated')
    expect(updated.event.data.previous_attributes).toEqual({ name: null })
    expect(created.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/)
  })

  it('signs so that a tampered body or a wrong secret is rejected', async () => {
    // Its own delivery (not the first test's): the tests of this file may run in any order.
    await h.settle()
    const from = h.received.length
    await h.stripe.customers.create({ email: 'signed@example.test' })
    await h.settle()
    const { raw, signature } = h.received[from]
    const verifier = new Stripe('sk_test_verifier')
    expect(() => verifier.webhooks.constructEvent(raw, signature, SECRET)).not.toThrow()
    expect(() => verifier.webhooks.constructEvent(raw.replace('"livemode": false', '"livemode": true'), signature, SECRET)).toThrow(Stripe.errors.StripeSignatureVerificationError)
    expect(() => verifier.webhooks.constructEvent(raw, signature, 'whsec_other')).toThrow(Stripe.errors.StripeSignatureVerificationError)
    expect(signPayload('{}', SECRET, 1700000000)).toBe(verifier.webhooks.generateTestHeaderString({ payload: '{}', secret: SECRET, timestamp: 1700000000 }))
  })

  it('retries a failing endpoint with growing gaps until it answers 2xx', async () => {
    h.respond.status = 500
    const c = await h.stripe.customers.create({ email: 'retry@example.test' })
    const event = h.emulator.emu.all('event').at(-1)!
    await new Promise((r) => setTimeout(r, 200))
    h.respond.status = 200
    await h.settle()
    const { data } = await h.control(`/deliveries?event_id=${event.id}`)
    const d = data[0]
    expect(d.state).toBe('succeeded')
    expect(d.attempts.length).toBeGreaterThanOrEqual(3)
    expect(d.attempts[0].status).toBe(500)
    // The backoff grows, and no retry goes out before its backoff (judged from the recorded plan, not
    // from wall-clock gaps, which a loaded machine stretches at random).
    const backoffs = d.attempts.slice(0, -1).map((a: any) => a.retry_in_ms)
    expect(backoffs[1]).toBeGreaterThan(backoffs[0])
    d.attempts.slice(1).forEach((a: any, i: number) => {
      expect(Date.parse(a.at) - Date.parse(d.attempts[i].at)).toBeGreaterThanOrEqual(backoffs[i])
    })
    expect(d.attempts.at(-1).retry_in_ms).toBeNull()
    expect(h.received.some((r) => (r.event.data.object as Stripe.Customer).id === c.id)).toBe(true)
    expect((await h.stripe.events.retrieve(event.id)).pending_webhooks).toBe(0)
  })
})

describe('chaos', () => {
  async function run(seed: number): Promise<{ order: string[]; log: string[] }> {
    const h = await harness()
    try {
      await h.control('/chaos', { seed, reorder: 0.5, duplicate: 0.3, failFirst: 0.3, delayMs: 40, hold: true })
      const product = await h.stripe.products.create({ name: 'Chaos' })
      const price = await h.stripe.prices.create({ product: product.id, unit_amount: 100, currency: 'usd', recurring: { interval: 'month' } })
      const c = await h.stripe.customers.create({ email: 'chaos@example.test', payment_method: 'pm_card_visa', invoice_settings: { default_payment_method: 'pm_card_visa' } })
      const sub = await h.stripe.subscriptions.create({ customer: c.id, items: [{ price: price.id }] })
      await h.stripe.subscriptions.update(sub.id, { cancel_at_period_end: true })
      await h.control('/deliveries/flush', {})
      await h.settle()
      const { data } = await h.control('/deliveries')
      // Order of first attempts, as the sender dispatched them (a dropped first attempt takes no time,
      // so timestamps alone can tie).
      const firstAttempts = [...data].sort((a: any, b: any) => a.sent_order - b.sent_order)
      return {
        order: firstAttempts.map((d: any) => `${d.event_type}${d.duplicate ? '+dup' : ''}${d.fail_first ? '+fail1' : ''}`),
        log: h.received.map((r) => r.event.type),
      }
    } finally {
      await h.close()
    }
  }

  it('is identical for the same seed and different for another', async () => {
    const a = await run(42)
    const b = await run(42)
    const c = await run(7)
    expect(a.order).toEqual(b.order)
    expect(a.order).not.toEqual(c.order)
    const calm = ['product.created', 'price.created', 'customer.created', 'payment_method.attached', 'customer.updated', 'customer.subscription.created', 'invoice.created', 'invoice.finalized', 'payment_intent.created', 'charge.succeeded', 'payment_intent.succeeded', 'invoice.paid', 'invoice.payment_succeeded', 'customer.subscription.updated']
    expect(a.order.some((t) => t.includes('+dup'))).toBe(true)
    expect(a.order.some((t) => t.includes('+fail1'))).toBe(true)
    expect(a.order.map((t) => t.split('+')[0]).filter((t, i, all) => all.indexOf(t) === i)).not.toEqual(calm)
    // Every event still arrives at least once.
    expect(new Set(a.log)).toEqual(new Set(calm))
    expect(a.log.length).toBeGreaterThan(calm.length)
  })

  it('delays every delivery by latencyMs, keeping their order', async () => {
    const h = await harness()
    try {
      await h.control('/chaos', { latencyMs: 150 })
      await h.stripe.customers.create({ email: 'slow-net@example.test' })
      await h.stripe.products.create({ name: 'Later' })
      expect(await h.settle()).toEqual(['customer.created', 'product.created'])
      // Each delivery went out no sooner than latencyMs after its event was queued.
      const { data } = await h.control('/deliveries')
      expect(data).toHaveLength(2)
      for (const d of data) expect(Date.parse(d.attempts[0].at) - d.queued_at).toBeGreaterThanOrEqual(150)
    } finally {
      await h.close()
    }
  })

  it('injects 429 with Retry-After, 500 and slow answers at the configured rates, seeded', async () => {
    const h = await harness()
    try {
      await h.control('/chaos', { seed: 3, rate429: 0.3, rate500: 0.2, slowRate: 0.1, slowMs: 30 })
      const statuses: number[] = []
      let retryAfter: string | null = null
      for (let i = 0; i < 100; i++) {
        const res = await fetch(`${h.emulator.url}/v1/customers`, { headers: { authorization: 'Bearer sk_test_chaos' } })
        statuses.push(res.status)
        if (res.status === 429) retryAfter = res.headers.get('retry-after')
        await res.arrayBuffer()
      }
      const count = (s: number) => statuses.filter((x) => x === s).length
      expect(count(429)).toBeGreaterThan(15)
      expect(count(500)).toBeGreaterThan(8)
      expect(count(200)).toBeGreaterThan(30)
      expect(retryAfter).toBe('1')
      const { data } = await h.control('/requests')
      expect(data.filter((r: any) => r.fault === 'slow').length).toBeGreaterThan(3)
      await h.control('/reset', {})
      await h.control('/chaos', { seed: 3, rate429: 0.3, rate500: 0.2, slowRate: 0.1, slowMs: 30 })
      const again: number[] = []
      for (let i = 0; i < 100; i++) {
        const res = await fetch(`${h.emulator.url}/v1/customers`, { headers: { authorization: 'Bearer sk_test_chaos' } })
        again.push(res.status)
        await res.arrayBuffer()
      }
      expect(again).toEqual(statuses)
    } finally {
      await h.close()
    }
  })

  it('logs a slow answer the client gave up waiting for', async () => {
    const h = await harness()
    try {
      await h.control('/chaos', { slowRate: 1, slowMs: 300 })
      const res = await fetch(`${h.emulator.url}/v1/customers`, { headers: { authorization: 'Bearer sk_test_slow' }, signal: AbortSignal.timeout(50) }).catch((err: Error) => err)
      expect(res).toBeInstanceOf(Error)
      // The request is logged once its slow answer is written: polled (a loaded machine stretches a fixed sleep).
      await expect.poll(async () => (await h.control('/requests')).data.map((r: any) => [r.path, r.fault]), { timeout: 10_000 }).toEqual([['/v1/customers', 'slow']])
    } finally {
      await h.close()
    }
  })

  it('answers 500 to every request about a failing customer, and only those, logged as fault 500', async () => {
    const h = await harness()
    try {
      const [poison, healthy] = [await h.stripe.customers.create({ email: 'poison@example.test' }), await h.stripe.customers.create({ email: 'ok@example.test' })]
      await h.control('/requests', undefined, 'DELETE')
      await h.control('/chaos', { failCustomers: [poison.id] })
      await expect(h.stripe.customers.retrieve(poison.id)).rejects.toMatchObject({ statusCode: 500, type: 'StripeAPIError' })
      await expect(h.stripe.invoices.list({ customer: poison.id })).rejects.toMatchObject({ statusCode: 500 })
      expect((await h.stripe.customers.retrieve(healthy.id)).id).toBe(healthy.id)
      expect((await h.stripe.subscriptions.list({ customer: healthy.id })).data).toEqual([])
      const { data } = await h.control('/requests')
      expect(data.map((r: any) => [r.customer, r.status, r.fault])).toEqual([[poison.id, 500, '500'], [poison.id, 500, '500'], [healthy.id, 200, null], [healthy.id, 200, null]])
      await h.control('/chaos', {})
      expect((await h.stripe.customers.retrieve(poison.id)).id).toBe(poison.id)
      expect(await h.control('/chaos', { failCustomers: 'cus_x' })).toMatchObject({ error: { message: /failCustomers/ } })
    } finally {
      await h.close()
    }
  })
})
