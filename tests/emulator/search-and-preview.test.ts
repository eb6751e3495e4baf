// The Search API (query language, pagination, errors), the customer's includable `subscriptions` (ten at
// most, with has_more), the four-level limit of expansions, and
// the upcoming-invoice preview, through the official client.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type Stripe from 'stripe'
import { harness, type Harness } from './harness.ts'

let h: Harness
let stripe: Stripe
let price: Stripe.Price
beforeAll(async () => {
  h = await harness()
  stripe = h.stripe
  const product = await stripe.products.create({ name: 'Searchable', metadata: { tier: 'gold' } })
  price = await stripe.prices.create({ product: product.id, unit_amount: 2500, currency: 'eur', recurring: { interval: 'month' }, lookup_key: 'gold_monthly' })
})
afterAll(() => h.close())

const card = { payment_method: 'pm_card_visa', invoice_settings: { default_payment_method: 'pm_card_visa' } }

describe('search', () => {
  it('finds customers by exact email (case-insensitive), metadata, substring, and AND / OR of clauses', async () => {
    const jenny = await stripe.customers.create({ email: 'Jenny.Search@example.test', name: 'Jenny Rosen', metadata: { org: 'org_a' } })
    const bob = await stripe.customers.create({ email: 'bob.search@example.test', name: 'Bob Search', metadata: { org: 'org_b' } })
    const ids = async (query: string) => (await stripe.customers.search({ query })).data.map((c) => c.id)
    expect(await ids("email:'jenny.search@example.test'")).toEqual([jenny.id])
    expect(await ids('metadata["org"]:"org_b"')).toEqual([bob.id])
    expect(await ids("name~'rose' OR email:'bob.search@example.test'")).toEqual([bob.id, jenny.id])
    expect(await ids("name~'search' AND -metadata['org']:'org_a'")).toEqual([bob.id])
    expect(await ids(`created>=${jenny.created} AND email~'.search@'`)).toEqual([bob.id, jenny.id])
  })

  it('answers a search_result page by page through next_page, which the client follows', async () => {
    for (let i = 0; i < 3; i++) await stripe.customers.create({ email: `paged${i}@example.test`, metadata: { batch: 'paged' } })
    const first = await stripe.customers.search({ query: "metadata['batch']:'paged'", limit: 2 })
    expect(first).toMatchObject({ object: 'search_result', has_more: true, url: '/v1/customers/search' })
    expect(first.data).toHaveLength(2)
    const second = await stripe.customers.search({ query: "metadata['batch']:'paged'", limit: 2, page: first.next_page! })
    expect(second).toMatchObject({ has_more: false, next_page: null })
    const seen: string[] = []
    for await (const c of stripe.customers.search({ query: "metadata['batch']:'paged'", limit: 1 })) seen.push(c.email!)
    expect(seen.sort()).toEqual(['paged0@example.test', 'paged1@example.test', 'paged2@example.test'])
  })

  it('searches subscriptions, invoices, prices and products too', async () => {
    const c = await stripe.customers.create({ email: 'subsearch@example.test', ...card })
    const sub = await stripe.subscriptions.create({ customer: c.id, items: [{ price: price.id }] })
    expect((await stripe.subscriptions.search({ query: `status:'active' AND metadata['none']:null AND customer:'${c.id}'` })).data.map((s) => s.id)).toEqual([sub.id])
    expect((await stripe.invoices.search({ query: `customer:'${c.id}' AND total>2000` })).data.map((i) => i.id)).toEqual([sub.latest_invoice])
    expect((await stripe.prices.search({ query: "lookup_key:'gold_monthly'" })).data.map((p) => p.id)).toEqual([price.id])
    expect((await stripe.products.search({ query: "metadata['tier']:'gold' AND active:'true'" })).data.map((p) => p.id)).toEqual([price.product])
  })

  it('refuses a malformed query with a 400 that names the query', async () => {
    for (const query of ['email', "email:'a' AND name:'b' OR name:'c'", "name~'ab'", "created>'soon'"]) {
      const err = await stripe.customers.search({ query }).catch((e) => e)
      expect(err, query).toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError', param: 'query' })
    }
  })
})

describe('customer subscriptions and the upcoming invoice', () => {
  it('includes a customer\'s current subscriptions on request, and previews its next renewal invoice', async () => {
    const c = await stripe.customers.create({ email: 'preview@example.test', ...card })
    const sub = await stripe.subscriptions.create({ customer: c.id, items: [{ price: price.id, quantity: 2 }] })
    const withSubs = (await stripe.customers.retrieve(c.id, { expand: ['subscriptions'] })) as Stripe.Customer
    expect(withSubs.subscriptions?.data.map((s) => s.id)).toEqual([sub.id])
    const before = (await stripe.invoices.list({ customer: c.id })).data.length
    const next = await stripe.invoices.createPreview({ customer: c.id, subscription: sub.id })
    expect(next).toMatchObject({ object: 'invoice', status: 'draft', billing_reason: 'subscription_cycle', currency: 'eur', amount_due: 5000, period_start: sub.items.data[0].current_period_end })
    expect(next.id).toMatch(/^upcoming_in_/)
    expect(next.lines.data.map((l) => l.amount)).toEqual([5000])
    expect((await stripe.invoices.list({ customer: c.id })).data).toHaveLength(before)
    await stripe.subscriptions.update(sub.id, { cancel_at_period_end: true })
    const none = await stripe.invoices.createPreview({ customer: c.id }).catch((e) => e)
    expect(none).toMatchObject({ statusCode: 404, code: 'invoice_upcoming_none' })
  })

  it('embeds at most ten live subscriptions, newest first, with has_more; the list endpoint has the rest', async () => {
    const c = await stripe.customers.create({ email: 'many@example.test', ...card })
    const subs: Stripe.Subscription[] = []
    for (let i = 0; i < 12; i++) subs.push(await stripe.subscriptions.create({ customer: c.id, items: [{ price: price.id }] }))
    await stripe.subscriptions.cancel(subs[11].id)
    const embedded = ((await stripe.customers.retrieve(c.id, { expand: ['subscriptions'] })) as Stripe.Customer).subscriptions!
    expect(embedded.data.map((s) => s.id)).toEqual(subs.slice(1, 11).reverse().map((s) => s.id))
    expect(embedded.has_more).toBe(true)
    const rest = await stripe.subscriptions.list({ customer: c.id, starting_after: embedded.data.at(-1)!.id })
    expect(rest.data.map((s) => s.id)).toEqual([subs[0].id])
  })

  it('refuses an expansion deeper than four levels, as Stripe does', async () => {
    const c = await stripe.customers.create({ email: 'deep@example.test', ...card })
    await stripe.subscriptions.create({ customer: c.id, items: [{ price: price.id }] })
    const four = (await stripe.customers.retrieve(c.id, { expand: ['subscriptions.data.latest_invoice.payments'] })) as Stripe.Customer
    expect(typeof four.subscriptions!.data[0].latest_invoice).toBe('object')
    const deep = await stripe.customers.retrieve(c.id, { expand: ['subscriptions.data.items.data.price.product'] }).catch((e) => e)
    expect(deep).toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError', message: 'You cannot expand more than 4 levels of a property.', param: 'expand' })
    const listed = await stripe.subscriptions.list({ customer: c.id, expand: ['data.items.data.price.product'] }).catch((e) => e)
    expect(listed).toMatchObject({ statusCode: 400, param: 'expand' })
  })
})
