// Stripe's own contract as the judge of the emulator: in strict mode a request the spec refuses gets
// Stripe's 400, an answer or event that breaks the spec is a loud failure naming path and rule.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEmulator, type RunningEmulator } from '../../dev/stripe-emulator/server.ts'
import { emulatorClient } from '../../dev/stack/stripe.ts'
import { checkObject } from '../../dev/stripe-emulator/contract/responses.ts'
import { runLifecycle } from '../../dev/stripe-emulator/contract/lifecycle.ts'

let strict: RunningEmulator
let lax: RunningEmulator
beforeAll(async () => {
  // Its deliberate findings stay out of the run's report (which fails npm test on any finding).
  strict = await startEmulator({ port: 0, conformance: 'strict', conformanceReport: null, tickMs: 3_600_000 })
  lax = await startEmulator({ port: 0, conformance: 'off', tickMs: 3_600_000 })
})
afterAll(async () => {
  await strict?.close()
  await lax?.close()
})

/** A raw form POST, as any client sends it, with the answer's status and JSON. */
async function post(e: RunningEmulator, path: string, form: Record<string, string>) {
  const res = await fetch(`${e.url}${path}`, { method: 'POST', headers: { authorization: 'Bearer sk_test_contract', 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) })
  return { status: res.status, body: await res.json() }
}

describe('request conformance', () => {
  it('refuses an unknown parameter as Stripe does, and only in strict mode', async () => {
    const refused = await post(strict, '/v1/customers', { email: 'a@example.test', colour: 'red' })
    expect(refused).toEqual({ status: 400, body: { error: { type: 'invalid_request_error', code: 'parameter_unknown', param: 'colour', message: 'Received unknown parameter: colour' } } })
    expect((await post(lax, '/v1/customers', { email: 'a@example.test', colour: 'red' })).status).toBe(200)
    expect(strict.emu.conformance.findings.at(-1)).toMatchObject({ kind: 'request', subject: 'POST /v1/customers', path: 'colour' })
  })

  it('refuses a nested unknown key, a wrong integer, a wrong enum value and a missing required one', async () => {
    const nested = await post(strict, '/v1/customers', { 'invoice_settings[colour]': 'red' })
    expect(nested.body.error).toMatchObject({ code: 'parameter_unknown', param: 'invoice_settings[colour]' })
    const integer = await post(strict, '/v1/prices', { currency: 'usd', unit_amount: 'lots', 'product_data[name]': 'x' })
    expect(integer.body.error).toMatchObject({ type: 'invalid_request_error', code: 'parameter_invalid_integer', param: 'unit_amount' })
    const list = await fetch(`${strict.url}/v1/subscriptions?status=sleeping`, { headers: { authorization: 'Bearer sk_test_contract' } })
    expect(list.status).toBe(400)
    expect((await list.json()).error).toMatchObject({ type: 'invalid_request_error', param: 'status', message: expect.stringMatching(/^Invalid status: must be one of .*active/) })
    const missing = await post(strict, '/v1/webhook_endpoints', { url: 'http://127.0.0.1:9/hook' })
    expect(missing).toMatchObject({ status: 400, body: { error: { code: 'parameter_missing', param: 'enabled_events' } } })
  })

  it("answers the emulator's own refusals in the spec's error shape, with no code Stripe does not document", async () => {
    const stripe = emulatorClient(strict.port, { key: 'sk_test_contract' })
    const price = await stripe.prices.create({ currency: 'usd', unit_amount: 500, recurring: { interval: 'month' }, product_data: { name: 'Old' }, active: false })
    const refused = await post(strict, '/v1/checkout/sessions', { mode: 'subscription', 'line_items[0][price]': price.id, success_url: 'http://app.test/ok' })
    expect(refused).toEqual({ status: 400, body: { error: { type: 'invalid_request_error', param: 'line_items[0][price]', message: 'The price specified is inactive.' } } })
    expect(strict.emu.conformance.objects.get('error')).toMatchObject({ failed: 0 })
  })

  it('gives a valid request the same answer in strict mode as without it', async () => {
    const form = { email: 'same@example.test', name: 'Same', 'metadata[k]': 'v' }
    const a = await post(strict, '/v1/customers', form)
    const b = await post(lax, '/v1/customers', form)
    expect(a.status).toBe(200)
    const neutral = (o: Record<string, unknown>) => ({ ...o, id: 'x', created: 0, invoice_prefix: 'x' })
    expect(neutral(a.body)).toEqual(neutral(b.body))
  })
})

describe('response conformance', () => {
  it('finds a field of the wrong type (a number where Stripe sends a decimal string)', () => {
    const price = { id: 'price_1', object: 'price', active: true, billing_scheme: 'per_unit', created: 1, currency: 'usd', custom_unit_amount: null, livemode: false, lookup_key: null, metadata: {}, nickname: null, product: 'prod_1', recurring: null, tax_behavior: 'unspecified', tiers_mode: null, transform_quantity: null, type: 'one_time', unit_amount: 2900, unit_amount_decimal: '2900' }
    expect(checkObject(price)).toBeNull()
    expect(checkObject({ ...price, unit_amount_decimal: 2900 })).toEqual({ type: 'price', path: '/unit_amount_decimal', rule: expect.stringMatching(/^type: must be string/) })
    expect(checkObject({ ...price, product: { ...price, object: 'product' } })).toMatchObject({ type: 'price', path: expect.stringMatching(/^\/product/) })
  })

  it('fails an answer that breaks the spec with a 500 naming the path and the rule, and reports it', async () => {
    const stripe = emulatorClient(strict.port, { key: 'sk_test_contract' })
    const c = await stripe.customers.create({ email: 'broken@example.test' })
    strict.emu.objects.get(c.id)!.balance = 'a lot'
    const res = await fetch(`${strict.url}/v1/customers/${c.id}`, { headers: { authorization: 'Bearer sk_test_contract' } })
    expect(res.status).toBe(500)
    expect((await res.json()).error).toMatchObject({ type: 'api_error', message: expect.stringContaining('customer at /balance: type: must be integer') })
    expect(strict.emu.conformance.findings.at(-1)).toMatchObject({ kind: 'response', subject: 'customer', path: '/balance' })
  })

  it("checks every event's data.object when the event is emitted", async () => {
    const stripe = emulatorClient(strict.port, { key: 'sk_test_contract' })
    const c = await stripe.customers.create({ email: 'event@example.test' })
    strict.emu.objects.get(c.id)!.delinquent = 'maybe'
    await stripe.customers.update(c.id, { name: 'Renamed' }).catch(() => undefined)
    expect(strict.emu.conformance.findings.find((f) => f.kind === 'event' && f.at === 'customer.updated')).toMatchObject({ subject: 'customer', path: '/data/object/delinquent' })
  })
})

describe('the emulator against the contract', () => {
  it('answers a lifecycle over every resource and hosted page with objects and events that all match the spec', async () => {
    const e = await startEmulator({ port: 0, conformance: 'strict', conformanceReport: null, tickMs: 3_600_000, retryBaseMs: 20 })
    try {
      await runLifecycle(emulatorClient(e.port, { key: 'sk_test_contract' }), e)
      const { objects, requests, findings } = e.emu.conformance.summary()
      expect(findings).toEqual([])
      // Every type of object the emulator holds was checked, as an answer or an event.
      const made = new Set([...e.emu.objects.values()].map((o) => String(o.object)))
      expect([...made].filter((t) => !(t in objects))).toEqual([])
      expect(made.size).toBeGreaterThan(15)
      expect(Object.keys(requests).length).toBeGreaterThan(60)
    } finally {
      await e.close()
    }
  }, 120_000)
})
