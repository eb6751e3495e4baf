// The emulator's billing portal configurations and price lookup_key transfers, to Stripe's contract
// (the spec's parameters and enums; lookup keys unique unless transferred); strict mode takes the
// pinned API version, which is newer than the spec, as an endpoint's api_version.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { checkObject } from '../../dev/stripe-emulator/contract/responses.ts'
import { startEmulator } from '../../dev/stripe-emulator/server.ts'
import { emulatorClient } from '../../dev/stack/stripe.ts'
import { STRIPE_API_VERSION } from '../../supabase/functions/_shared/stripe/client.ts'
import { startStripe, type EmulatedStripe } from '../helpers/stripe-emulator.ts'

let emulated: EmulatedStripe
beforeAll(async () => {
  emulated = await startStripe()
})
afterAll(async () => {
  await emulated.close()
})
const error = (p: Promise<unknown>) => p.then(() => null, (e: { statusCode?: number; code?: string; param?: string }) => ({ status: e.statusCode, code: e.code, param: e.param }))

describe('billing portal configurations', () => {
  test('the account has a default configuration that portal sessions use', async () => {
    const { data } = await emulated.stripe.billingPortal.configurations.list({ is_default: true })
    expect(data).toHaveLength(1)
    const customer = await emulated.stripe.customers.create({ email: 'portal@example.com' })
    expect((await emulated.stripe.billingPortal.sessions.create({ customer: customer.id })).configuration).toBe(data[0].id)
  })

  test('create, update (features merge) and list; an inactive configuration cannot open a session', async () => {
    const product = await emulated.stripe.products.create({ name: 'Plan' })
    const price = await emulated.stripe.prices.create({ product: product.id, unit_amount: 500, currency: 'usd', recurring: { interval: 'month' } })
    const c = await emulated.stripe.billingPortal.configurations.create({
      business_profile: { headline: 'Hi' },
      features: { invoice_history: { enabled: true }, subscription_cancel: { enabled: true, mode: 'immediately' } },
    })
    expect(c).toMatchObject({ object: 'billing_portal.configuration', is_default: false, active: true, business_profile: { headline: 'Hi' } })
    const u = await emulated.stripe.billingPortal.configurations.update(c.id, {
      features: { subscription_update: { enabled: true, default_allowed_updates: ['price'], proration_behavior: 'none', products: [{ product: product.id, prices: [price.id] }] } },
    })
    expect(u.features.subscription_cancel.mode).toBe('immediately')
    expect(u.features.invoice_history.enabled).toBe(true)
    expect(u.features.subscription_update.products).toEqual([expect.objectContaining({ product: product.id, prices: [price.id] })])
    expect(checkObject(u as never), 'the object matches Stripe\'s spec').toBeNull()
    expect(checkObject((await emulated.stripe.billingPortal.configurations.list({ is_default: true })).data[0] as never)).toBeNull()
    await emulated.stripe.billingPortal.configurations.update(c.id, { active: false })
    const customer = await emulated.stripe.customers.create({})
    expect(await error(emulated.stripe.billingPortal.sessions.create({ customer: customer.id, configuration: c.id }))).toMatchObject({ status: 400, param: 'configuration' })
    expect((await emulated.stripe.billingPortal.configurations.list({ active: false })).data.map((x) => x.id)).toEqual([c.id])
  })

  test('bad parameters are refused with the parameter named, and change nothing', async () => {
    const c = await emulated.stripe.billingPortal.configurations.create({ features: { invoice_history: { enabled: true } } })
    const deliberately = <T>(p: () => Promise<T>) => emulated.running.emu.conformance.expectingRefusals(p)
    expect(await deliberately(() => error(emulated.stripe.billingPortal.configurations.update(c.id, {
      features: { invoice_history: { enabled: false }, subscription_cancel: { enabled: true, mode: 'later' as never } },
    })))).toMatchObject({ status: 400, param: 'features[subscription_cancel][mode]' })
    expect((await emulated.stripe.billingPortal.configurations.retrieve(c.id)).features.invoice_history.enabled).toBe(true)
    expect(await error(emulated.stripe.billingPortal.configurations.update(c.id, {
      features: { subscription_update: { enabled: true, products: [{ product: 'prod_missing', prices: ['price_missing'] }] } },
    }))).toMatchObject({ status: 404, code: 'resource_missing' })
    expect(await deliberately(() => error(emulated.stripe.billingPortal.configurations.create({} as never)))).toMatchObject({ status: 400, param: 'features' })
  })
})

describe('price lookup_key on update', () => {
  test('taking a lookup key from another price needs transfer_lookup_key', async () => {
    const product = await emulated.stripe.products.create({ name: 'Keys' })
    const make = () => emulated.stripe.prices.create({ product: product.id, unit_amount: 100, currency: 'usd' })
    const [a, b] = [await make(), await make()]
    const key = `key_${Date.now()}`
    await emulated.stripe.prices.update(a.id, { lookup_key: key })
    expect(await error(emulated.stripe.prices.update(b.id, { lookup_key: key }))).toMatchObject({ status: 400, code: 'lookup_key_already_exists' })
    await emulated.stripe.prices.update(b.id, { lookup_key: key, transfer_lookup_key: true })
    expect((await emulated.stripe.prices.retrieve(a.id)).lookup_key).toBeNull()
    expect((await emulated.stripe.prices.list({ lookup_keys: [key] })).data.map((p) => p.id)).toEqual([b.id])
  })
})

describe('strict mode and the pinned API version', () => {
  test('a webhook endpoint at the pinned version (newer than the spec) is accepted; an unknown version is refused', async () => {
    // Its deliberate refusal stays out of the run's report.
    const strict = await startEmulator({ port: 0, conformance: 'strict', conformanceReport: null, tickMs: 3_600_000 })
    try {
      const stripe = emulatorClient(strict.port, { key: 'sk_test_strict' })
      const e = await stripe.webhookEndpoints.create({ url: 'http://127.0.0.1:9/hook', enabled_events: ['invoice.paid'], api_version: STRIPE_API_VERSION })
      expect(e.api_version).toBe(STRIPE_API_VERSION)
      expect(await error(stripe.webhookEndpoints.create({ url: 'http://127.0.0.1:9/hook', enabled_events: ['invoice.paid'], api_version: '2099-01-01.nope' as never })))
        .toMatchObject({ status: 400, param: 'api_version' })
    } finally {
      await strict.close()
    }
  })
})
