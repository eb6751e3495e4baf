// Stripe's REST conventions and every supported resource operation, through the official client.
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import Stripe from 'stripe'
import { emulatorForFile, client, type Harness } from './harness.ts'
import { knownFields } from '../../dev/stripe-emulator/shape.ts'

let h: Harness
let stripe: Stripe
emulatorForFile((started) => ({ h, stripe } = started))

async function raw(path: string, init: RequestInit & { key?: string | null } = {}) {
  const headers = new Headers(init.headers)
  if (init.key !== null) headers.set('authorization', `Bearer ${init.key ?? 'sk_test_raw'}`)
  const res = await fetch(`${h.emulator.url}${path}`, { ...init, headers })
  return { status: res.status, headers: res.headers, body: await res.json() }
}

const form = { 'content-type': 'application/x-www-form-urlencoded' }

describe('REST conventions', () => {
  it('reads nested form keys (metadata[plan], items[0][price]) and expand[]', async () => {
    const body = 'name=Nested&metadata[plan]=pro&metadata[limits.seats]=5'
    const product = await raw('/v1/products', { method: 'POST', headers: form, body })
    expect(product.status).toBe(200)
    expect(product.body.metadata).toEqual({ plan: 'pro', 'limits.seats': '5' })
    const price = await raw('/v1/prices', { method: 'POST', headers: form, body: `product=${product.body.id}&unit_amount=500&currency=usd&recurring[interval]=month&expand[]=product` })
    expect(price.body.product.name).toBe('Nested')
    const customer = await stripe.customers.create({ payment_method: 'pm_card_visa', invoice_settings: { default_payment_method: 'pm_card_visa' } })
    const sub = await raw('/v1/subscriptions', { method: 'POST', headers: form, body: `customer=${customer.id}&items[0][price]=${price.body.id}&items[0][quantity]=3` })
    expect(sub.status).toBe(200)
    expect(sub.body.items.data[0].quantity).toBe(3)
    expect(sub.body.items.data[0].price.id).toBe(price.body.id)
  })

  it('pages lists newest first with has_more, starting_after and ending_before', async () => {
    const tag = `page-${Date.now()}`
    const made = []
    for (let i = 0; i < 5; i++) made.push(await stripe.customers.create({ email: `${tag}-${i}@example.test` }))
    const first = await stripe.customers.list({ limit: 2 })
    expect(first.object).toBe('list')
    expect(first.data.map((c) => c.id)).toEqual([made[4].id, made[3].id])
    expect(first.has_more).toBe(true)
    const second = await stripe.customers.list({ limit: 2, starting_after: first.data[1].id })
    expect(second.data.map((c) => c.id)).toEqual([made[2].id, made[1].id])
    const back = await stripe.customers.list({ limit: 2, ending_before: second.data[0].id })
    expect(back.data.map((c) => c.id)).toEqual([made[4].id, made[3].id])
    const all = []
    for await (const c of stripe.customers.list({ limit: 3 })) all.push(c.id)
    expect(all).toEqual(expect.arrayContaining(made.map((c) => c.id)))
    const bad = await raw('/v1/customers?limit=101')
    expect(bad.status).toBe(400)
    expect(bad.body.error).toMatchObject({ type: 'invalid_request_error', param: 'limit' })
  })

  it('replays an Idempotency-Key with the same body and refuses it with another body', async () => {
    const headers = { ...form, 'idempotency-key': `idem-${Date.now()}` }
    const a = await raw('/v1/customers', { method: 'POST', headers, body: 'email=idem@example.test' })
    const b = await raw('/v1/customers', { method: 'POST', headers, body: 'email=idem@example.test' })
    expect(b.body.id).toBe(a.body.id)
    expect(b.headers.get('idempotent-replayed')).toBe('true')
    const c = await raw('/v1/customers', { method: 'POST', headers, body: 'email=other@example.test' })
    expect(c.status).toBe(400)
    expect(c.body.error.type).toBe('idempotency_error')
    const created = (await stripe.customers.list({ email: 'idem@example.test' })).data
    expect(created).toHaveLength(1)
  })

  it('answers 401 without a key or with a live key, and echoes Stripe-Version', async () => {
    const none = await raw('/v1/customers', { key: null })
    expect(none.status).toBe(401)
    expect(none.body.error.type).toBe('invalid_request_error')
    // A made-up live-mode key, assembled so it never looks like a committed secret.
    const live = await raw('/v1/customers', { key: ['sk', 'live', 'x'.repeat(16)].join('_') })
    expect(live.status).toBe(401)
    expect(live.body.error.code).toBe('api_key_invalid')
    const ok = await raw('/v1/customers', { headers: { 'stripe-version': '2026-10-28.endive' } })
    expect(ok.headers.get('stripe-version')).toBe('2026-10-28.endive')
    expect(ok.headers.get('request-id')).toMatch(/^req_/)
    await expect(client(h.emulator.url, ['sk', 'live', 'wrong_mode_key'].join('_')).customers.list()).rejects.toBeInstanceOf(Stripe.errors.StripeAuthenticationError)
  })

  it('answers Stripe-shaped 404 and 400 errors that the client maps to its error classes', async () => {
    const err = await stripe.customers.retrieve('cus_missing').catch((e) => e)
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError)
    expect(err).toMatchObject({ statusCode: 404, code: 'resource_missing', param: 'id' })
    const missingParam = await stripe.prices.create({ currency: 'usd', product: 'prod_nope', unit_amount: 1 }).catch((e) => e)
    expect(missingParam.statusCode).toBe(404)
    const noUrl = await raw('/v1/nothing_here')
    expect(noUrl.status).toBe(404)
    expect(noUrl.body.error.message).toContain('Unrecognized request URL')
  })
})

describe('resources', () => {
  it('creates, retrieves, updates, lists and deletes customers', async () => {
    const c = await stripe.customers.create({ email: 'crud@example.test', name: 'Crud', metadata: { organization_id: 'org-1', drop: 'x' } })
    expect(c).toMatchObject({ object: 'customer', email: 'crud@example.test', livemode: false })
    const u = await stripe.customers.update(c.id, { name: 'Renamed', metadata: { drop: '' } })
    expect(u.name).toBe('Renamed')
    expect(u.metadata).toEqual({ organization_id: 'org-1' })
    expect((await stripe.customers.retrieve(c.id)) as Stripe.Customer).toMatchObject({ name: 'Renamed' })
    expect((await stripe.customers.list({ email: 'crud@example.test' })).data.map((x) => x.id)).toEqual([c.id])
    expect(await stripe.customers.del(c.id)).toEqual({ id: c.id, object: 'customer', deleted: true })
    expect(await stripe.customers.retrieve(c.id)).toEqual({ id: c.id, object: 'customer', deleted: true })
  })

  it('creates products and recurring prices (monthly, yearly) with nickname, lookup_key and metadata', async () => {
    const product = await stripe.products.create({ name: 'Team', metadata: { 'limits.seats': '10' } })
    const monthly = await stripe.prices.create({ product: product.id, unit_amount: 1000, currency: 'eur', recurring: { interval: 'month' }, nickname: 'Team monthly', lookup_key: `team_m_${Date.now()}` })
    const yearly = await stripe.prices.create({ product: product.id, unit_amount: 10000, currency: 'eur', recurring: { interval: 'year' }, metadata: { 'limits.seats': '12' } })
    expect(monthly).toMatchObject({ type: 'recurring', nickname: 'Team monthly', recurring: { interval: 'month', interval_count: 1 } })
    expect(yearly.recurring?.interval).toBe('year')
    const fetched = await stripe.prices.retrieve(monthly.id, { expand: ['product'] })
    expect((fetched.product as Stripe.Product).metadata).toEqual({ 'limits.seats': '10' })
    expect((await stripe.prices.list({ product: product.id })).data).toHaveLength(2)
    expect((await stripe.prices.list({ lookup_keys: [monthly.lookup_key!] })).data.map((p) => p.id)).toEqual([monthly.id])
    await stripe.prices.update(yearly.id, { active: false })
    expect((await stripe.prices.list({ product: product.id, active: true })).data.map((p) => p.id)).toEqual([monthly.id])
    // An inactive price takes no new subscription.
    const buyer = await stripe.customers.create({ email: 'inactive@example.test', payment_method: 'pm_card_visa', invoice_settings: { default_payment_method: 'pm_card_visa' } })
    await expect(stripe.subscriptions.create({ customer: buyer.id, items: [{ price: yearly.id }] })).rejects.toMatchObject({ statusCode: 400, param: 'items[0][price]', message: expect.stringContaining('inactive') })
    const renamed = await stripe.products.update(product.id, { name: 'Team plan' })
    expect(renamed.name).toBe('Team plan')
    await expect(stripe.products.del(product.id)).rejects.toMatchObject({ code: 'product_has_prices' })
  })

  it('attaches test cards as new payment methods, lists and detaches them; a declined card leaves nothing', async () => {
    const c = await stripe.customers.create({ email: 'pm@example.test' })
    const visa = await stripe.paymentMethods.attach('pm_card_visa', { customer: c.id })
    expect(visa.id).toMatch(/^pm_/)
    expect(visa.id).not.toBe('pm_card_visa')
    expect(visa.card).toMatchObject({ brand: 'visa', last4: '4242' })
    const failing = await stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: c.id })
    expect(failing.card?.last4).toBe('0341')
    expect((await stripe.customers.listPaymentMethods(c.id)).data).toHaveLength(2)
    await stripe.customers.update(c.id, { invoice_settings: { default_payment_method: visa.id } })
    await stripe.paymentMethods.detach(visa.id)
    const after = (await stripe.customers.retrieve(c.id)) as Stripe.Customer
    expect(after.invoice_settings.default_payment_method).toBeNull()
    const declined = await stripe.paymentMethods.attach('pm_card_chargeDeclined', { customer: c.id }).catch((e) => e)
    expect(declined).toBeInstanceOf(Stripe.errors.StripeCardError)
    expect(declined).toMatchObject({ statusCode: 402, code: 'card_declined' })
    expect((await stripe.paymentMethods.list({ customer: c.id })).data).toHaveLength(1)
    const before = (await stripe.customers.list({ limit: 100 })).data.length
    await expect(stripe.customers.create({ email: 'declined@example.test', payment_method: 'pm_card_chargeDeclined' })).rejects.toMatchObject({ statusCode: 402 })
    expect((await stripe.customers.list({ limit: 100 })).data.length).toBe(before)
    const fromToken = await stripe.paymentMethods.create({ type: 'card', card: { token: 'tok_mastercard' } })
    expect(fromToken.card?.brand).toBe('mastercard')
  })

  it('lists and retrieves events, filtered by type and creation time', async () => {
    const c = await stripe.customers.create({ email: 'events@example.test' })
    const events = await stripe.events.list({ type: 'customer.created', limit: 100 })
    const mine = events.data.find((e) => (e.data.object as Stripe.Customer).id === c.id)!
    expect(mine).toBeDefined()
    expect(await stripe.events.retrieve(mine.id)).toMatchObject({ id: mine.id, type: 'customer.created' })
    const later = await stripe.events.list({ created: { gt: mine.created + 3600 } })
    expect(later.data).toHaveLength(0)
    await expect(stripe.events.retrieve('evt_missing')).rejects.toMatchObject({ statusCode: 404 })
  })

  it('creates webhook endpoints with a whsec_ secret shown once', async () => {
    const we = await stripe.webhookEndpoints.create({ url: 'http://127.0.0.1:9/hook', enabled_events: ['invoice.paid'] })
    expect(we.secret).toMatch(/^whsec_/)
    expect((await stripe.webhookEndpoints.retrieve(we.id)).secret).toBeUndefined()
    expect((await stripe.webhookEndpoints.list()).data.map((w) => w.id)).toContain(we.id)
    await stripe.webhookEndpoints.del(we.id)
    await expect(stripe.webhookEndpoints.retrieve(we.id)).rejects.toMatchObject({ statusCode: 404 })
    await expect(stripe.webhookEndpoints.create({ url: 'not a url', enabled_events: ['*'] })).rejects.toMatchObject({ statusCode: 400 })
  })
})

describe('shapes and speed', () => {
  it('builds objects whose every field is one Stripe documents, and emits only real event types', async () => {
    const types = new Set((JSON.parse(readFileSync('dev/stripe-emulator/event-types.json', 'utf8')).events as { type: string }[]).map((e) => e.type))
    // Objects of every kind checked, made here (other tests of the file may run before or after it).
    const product = await stripe.products.create({ name: 'Shapes' })
    const price = await stripe.prices.create({ product: product.id, unit_amount: 700, currency: 'usd', recurring: { interval: 'month' } })
    const customer = await stripe.customers.create({ email: 'shapes@example.test', payment_method: 'pm_card_visa', invoice_settings: { default_payment_method: 'pm_card_visa' } })
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] })
    const emu = h.emulator.emu
    const byObject: Record<string, string> = { customer: 'customer', product: 'product', price: 'price', subscription: 'subscription', invoice: 'invoice', payment_method: 'payment_method', event: 'event', charge: 'charge', payment_intent: 'payment_intent' }
    const checked = new Set<string>()
    const kinds = new Set<string>()
    for (const obj of emu.objects.values()) {
      const resource = byObject[obj.object]
      if (!resource || obj.deleted) continue
      const known = new Set(knownFields(resource))
      expect(Object.keys(obj).filter((k) => !known.has(k)), `${obj.id} has fields Stripe does not`).toEqual([])
      expect([...known].filter((k) => !(k in obj)), `${obj.id} lacks fields`).toEqual([])
      checked.add(obj.id)
      kinds.add(obj.object)
    }
    expect([...kinds].sort()).toEqual(Object.keys(byObject).sort())
    expect([product.id, price.id, customer.id, sub.id, sub.latest_invoice].filter((id) => !checked.has(id as string))).toEqual([])
    const emitted = new Set(emu.all('event').map((e) => e.type))
    expect([...emitted].filter((t) => !types.has(t))).toEqual([])
  })

  it('answers a typical request in under 5 ms', async () => {
    const c = await stripe.customers.create({ email: 'speed@example.test' })
    const times: number[] = []
    for (let i = 0; i < 200; i++) {
      const t = performance.now()
      await stripe.customers.retrieve(c.id)
      times.push(performance.now() - t)
    }
    times.sort((a, b) => a - b)
    expect(times[100]).toBeLessThan(5)
  })
})
