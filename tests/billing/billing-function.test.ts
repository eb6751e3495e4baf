// The billing edge function through the gateway: who may call it, what RLS lets each caller see, and
// Checkout / portal / sync-now / export against the stack's Stripe emulator.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SignJWT } from 'jose'
import type Stripe from 'stripe'
import type { Overview } from '../../supabase/functions/_shared/billing/api-types.ts'
import { stripeFor } from '../../dev/stack/stripe.ts'
import { syncNow, SYNC_NOW_MIN_INTERVAL_MS } from '../../supabase/functions/_shared/billing/actions.ts'
import { holdProductClock, PRODUCT_CLOCK_HOOK_TIMEOUT_MS } from '../helpers/product-clock.ts'
import { adminSql, functionsUrl, keys, stackProfile, supabaseClient, uniq } from '../helpers/stack.ts'

const sql = adminSql()
const stripe = stripeFor(stackProfile)
afterAll(async () => {
  await releaseClock?.()
  await sql.end()
})

interface User { id: string; email: string; token: string }

async function signUp(): Promise<User> {
  const email = `${uniq('web')}@example.test`
  const { data, error } = await supabaseClient().auth.signUp({ email, password: 'correct horse battery' })
  if (error || !data.session) throw error ?? new Error('no session')
  return { id: data.user!.id, email, token: data.session.access_token }
}

async function api(token: string | null, method: string, path: string, body?: unknown) {
  const res = await fetch(`${functionsUrl}/billing${path}`, {
    method,
    headers: { apikey: keys.anon, ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  })
  return { status: res.status, body: await res.json() }
}

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 150))
  }
}

let owner: User
let stranger: User
let member: User
let orgId: string
let price: Stripe.Price
// A cancelled organization's data is deleted 30 days on: files that run due work 30 days ahead hold
// this lock, so they never run while this one cancels and downloads an export.
let releaseClock: () => Promise<void>
beforeAll(async () => {
  releaseClock = await holdProductClock()
  ;[owner, stranger, member] = await Promise.all([signUp(), signUp(), signUp()])
  const product = await stripe.products.create({ name: uniq('Plan'), metadata: { 'limits.seats': '7' } })
  price = await stripe.prices.create({ product: product.id, unit_amount: 4200, currency: 'usd', recurring: { interval: 'month' } })
  // The catalogue reaches the mirror through the webhook and the sync, like every Stripe change.
  await until('the price in the mirror', async () => (await sql`select 1 from public.stripe_prices where id = ${price.id}`).length > 0)
  const created = await api(owner.token, 'POST', '/organizations', { name: 'Owner Co' })
  expect(created.status).toBe(201)
  orgId = created.body.organization.id
  await sql`insert into public.organization_members (organization_id, user_id, role) values (${orgId}, ${member.id}, 'member')`
}, PRODUCT_CLOCK_HOOK_TIMEOUT_MS)

describe('who may call it', () => {
  it('answers 401 without a token, with the anon key, a forged token or an expired one', async () => {
    expect((await api(null, 'GET', '/organizations')).status).toBe(401)
    const anon = await api(keys.anon, 'GET', '/organizations')
    expect(anon.status).toBe(401)
    expect(anon.body.error.message).toMatch(/sign in/i)
    const claims = { sub: owner.id, role: 'authenticated', aud: 'authenticated' }
    const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode('not-the-project-secret-not-the-project-secret'))
    expect((await api(forged, 'GET', '/organizations')).status).toBe(401)
    const expired = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(Math.floor(Date.now() / 1000) - 60).sign(new TextEncoder().encode(stackProfile.jwtSecret))
    expect((await api(expired, 'GET', '/organizations')).status).toBe(401)
  })

  it('shows an organization to its members only; to anyone else it does not exist', async () => {
    const mine = await api(owner.token, 'GET', `/organizations/${orgId}`)
    expect(mine.status).toBe(200)
    const o = mine.body as Overview
    expect(o.role).toBe('admin')
    expect(o.members.map((m) => [m.email, m.role]).sort()).toEqual([[member.email, 'member'], [owner.email, 'admin']].sort())
    expect(o.plans.find((p) => p.price_id === price.id)).toMatchObject({ unit_amount: 4200, interval: 'month', limits: { seats: 7 } })
    expect((await api(member.token, 'GET', `/organizations/${orgId}`)).body.role).toBe('member')
    const theirs = await api(stranger.token, 'GET', `/organizations/${orgId}`)
    expect(theirs.status).toBe(404)
    expect(JSON.stringify(theirs.body)).not.toContain('Owner Co')
    expect((await api(stranger.token, 'GET', '/organizations')).body.organizations).toEqual([])
    expect((await api(stranger.token, 'POST', `/organizations/${orgId}/checkout`, { price_id: price.id })).status).toBe(404)
    expect((await api(stranger.token, 'POST', `/organizations/${orgId}/export`)).status).toBe(404)
  })

  it('refuses billing changes by a member with 403 and a reason', async () => {
    const r = await api(member.token, 'POST', `/organizations/${orgId}/checkout`, { price_id: price.id })
    expect(r.status).toBe(403)
    expect(r.body.error).toMatchObject({ code: 'admins_only' })
    expect((await api(member.token, 'POST', `/organizations/${orgId}/portal`)).status).toBe(403)
  })

  it('answers bad input with 400 or 422 and changes nothing', async () => {
    expect((await api(owner.token, 'POST', '/organizations', '{not json')).status).toBe(400)
    expect((await api(owner.token, 'POST', '/organizations', { name: '   ' })).status).toBe(422)
    const unknown = await api(owner.token, 'POST', `/organizations/${orgId}/checkout`, { price_id: 'price_does_not_exist' })
    expect(unknown.status).toBe(422)
    expect(unknown.body.error.message).toContain('price_does_not_exist')
    const [org] = await sql`select stripe_customer_id from public.organizations where id = ${orgId}`
    expect(org.stripe_customer_id).toBeNull()
    expect((await api(owner.token, 'GET', '/organizations/not-a-uuid')).status).toBe(404)
    expect((await api(owner.token, 'GET', `/organizations/${'-'.repeat(36)}`)).status).toBe(404)
    const huge = await api(owner.token, 'POST', '/organizations', { name: 'x'.repeat(20_000) })
    expect(huge.status).toBe(413)
    expect(huge.body.error.message).toContain('larger than')
  })
})

describe('every input is validated into a 4xx naming the field', () => {
  it('refuses an organization name Postgres cannot store (U+0000, a lone surrogate) or a control character, with 422 naming `name`', async () => {
    for (const name of ['Acme\u0000 Inc', 'Acme \uD800', 'Acme\nInc', 'Acme\u0085']) {
      const r = await api(owner.token, 'POST', '/organizations', { name })
      expect(r.status, JSON.stringify(name)).toBe(422)
      expect(r.body.error).toMatchObject({ code: 'invalid_body', message: expect.stringMatching(/^name: /) })
    }
    for (const [body, message] of [[{ name: 42 }, /^name: give the organization a name as text/], [[], /^body: /], [{}, /^name: /], [null, /^body: /]] as const) {
      const r = await api(owner.token, 'POST', '/organizations', JSON.stringify(body))
      expect(r.status, JSON.stringify(body)).toBe(422)
      expect(r.body.error.message).toMatch(message)
    }
    expect(await sql`select 1 from public.organization_members where user_id = ${owner.id}`).toHaveLength(1)
  })

  it('keeps names with accents, emoji and inner spaces, trimmed', async () => {
    const r = await api(stranger.token, 'POST', '/organizations', { name: '  Café 😀  Ltd ' })
    expect(r.status).toBe(201)
    expect(r.body.organization.name).toBe('Café 😀  Ltd')
  })

  it('refuses a price id that is no Stripe id with 422 naming `price_id`, before asking Stripe', async () => {
    for (const price_id of ['price_\u0000', 'price with spaces', 7, 'p'.repeat(300)]) {
      const r = await api(owner.token, 'POST', `/organizations/${orgId}/checkout`, { price_id })
      expect(r.status, JSON.stringify(price_id)).toBe(422)
      expect(r.body.error.message).toMatch(/^price_id: /)
    }
  })
})

describe('checkout, sync-now, portal and export', () => {
  it('creates the Stripe customer before payment, and the page state right after paying', async () => {
    const r = await api(owner.token, 'POST', `/organizations/${orgId}/checkout`, { price_id: price.id })
    expect(r.status).toBe(200)
    expect(r.body.url).toMatch(new RegExp(`^http://127.0.0.1:${stackProfile.ports.stripe}/checkout/cs_test_`))
    const [org] = await sql`select stripe_customer_id from public.organizations where id = ${orgId}`
    const customer = (await stripe.customers.retrieve(org.stripe_customer_id)) as Stripe.Customer
    expect(customer.metadata).toEqual({ organization_id: orgId, user_id: owner.id })
    const paid = await fetch(r.body.url, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'card=pm_card_visa' })
    expect(paid.status).toBe(303)
    expect(paid.headers.get('location')).toContain(`/billing/${orgId}?checkout=success&session_id=cs_test_`)
    // sync-now fetches from Stripe at once, so the answer already shows the plan.
    const synced = await api(owner.token, 'POST', `/organizations/${orgId}/sync`)
    expect(synced.status).toBe(200)
    const o = synced.body.overview as Overview
    expect(o.subscription).toMatchObject({ status: 'active', price_id: price.id, unit_amount: 4200, interval: 'month' })
    expect(o.organization.billing_status).toBe('active')
    expect(o.invoices[0]).toMatchObject({ status: 'paid', amount_paid: 4200 })
    expect(synced.body.synced).toBe(true)
    const soon = await api(owner.token, 'POST', `/organizations/${orgId}/sync`)
    expect(soon.body).toMatchObject({ synced: false, overview: { subscription: { status: 'active' } } })
    const again = await api(owner.token, 'POST', `/organizations/${orgId}/checkout`, { price_id: price.id })
    expect(again.status).toBe(409)
    expect(again.body.error.code).toBe('already_subscribed')
  })

  it('a subscription bought through our checkout makes the new card that pays a failed invoice its default for future invoices (issue 13 item 3)', async () => {
    const created = await api(owner.token, 'POST', '/organizations', { name: 'Card Swap Co' })
    const swapOrg = created.body.organization.id as string
    const r = await api(owner.token, 'POST', `/organizations/${swapOrg}/checkout`, { price_id: price.id })
    const paid = await fetch(r.body.url, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'card=pm_card_visa' })
    expect(paid.status).toBe(303)
    await api(owner.token, 'POST', `/organizations/${swapOrg}/sync`)
    const [{ stripe_customer_id: customerId }] = await sql`select stripe_customer_id from public.organizations where id = ${swapOrg}`
    const [sub] = (await stripe.subscriptions.list({ customer: customerId })).data
    // The sync (here sync-now; else the webhook's) makes Stripe save the paying method on the subscription.
    await until('save_default_payment_method on the subscription', async () =>
      (await stripe.subscriptions.retrieve(sub.id)).payment_settings?.save_default_payment_method === 'on_subscription')
    // The card on file starts failing: the next invoice of the subscription fails and stays open.
    const failing = await stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: customerId })
    await stripe.subscriptions.update(sub.id, { default_payment_method: failing.id })
    const bigger = await stripe.prices.create({ product: price.product as string, unit_amount: 9900, currency: 'usd', recurring: { interval: 'month' } })
    await stripe.subscriptions.update(sub.id, { items: [{ id: sub.items.data[0].id, price: bigger.id }], proration_behavior: 'always_invoice' })
    const [open] = (await stripe.invoices.list({ customer: customerId, status: 'open' })).data
    expect(open.billing_reason).toBe('subscription_update')
    // What the failed-payment email says: pay on the hosted invoice page with a new card.
    const page = await fetch(open.hosted_invoice_url!, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'card=pm_card_mastercard' })
    expect(page.status).toBe(200)
    const after = await stripe.subscriptions.retrieve(sub.id)
    const card = await stripe.paymentMethods.retrieve(after.default_payment_method as string)
    expect(card.card?.last4).toBe('4444')
    // And the mirror follows Stripe (the sync expands the default payment method: the card on file).
    await until('the new default in the mirror', async () =>
      (await sql`select raw #>> '{default_payment_method,id}' as pm from public.stripe_subscriptions where id = ${sub.id}`)[0]?.pm === card.id)
  })

  it('opens the billing portal for the organization\'s customer', async () => {
    const r = await api(owner.token, 'POST', `/organizations/${orgId}/portal`)
    expect(r.status).toBe(200)
    const page = await (await fetch(r.body.url)).text()
    expect(page).toContain('Cancel subscription')
    expect(page).toContain(`/billing/${orgId}?portal=return`)
  })

  it('starts over with a new Stripe customer when the organization\'s was deleted in Stripe', async () => {
    const created = await api(owner.token, 'POST', '/organizations', { name: 'Phoenix Co' })
    const phoenix = created.body.organization.id as string
    expect((await api(owner.token, 'POST', `/organizations/${phoenix}/checkout`, { price_id: price.id })).status).toBe(200)
    const [{ stripe_customer_id: old }] = await sql`select stripe_customer_id from public.organizations where id = ${phoenix}`
    await stripe.customers.del(old)
    await until('the deletion in the mirror', async () => (await sql`select deleted from public.stripe_customers where id = ${old}`)[0]?.deleted)
    const portal = await api(owner.token, 'POST', `/organizations/${phoenix}/portal`)
    expect(portal).toMatchObject({ status: 409, body: { error: { code: 'customer_deleted' } } })
    const again = await api(owner.token, 'POST', `/organizations/${phoenix}/checkout`, { price_id: price.id })
    expect(again.status).toBe(200)
    const [{ stripe_customer_id: fresh }] = await sql`select stripe_customer_id from public.organizations where id = ${phoenix}`
    expect(fresh).not.toBe(old)
    const customer = (await stripe.customers.retrieve(fresh)) as Stripe.Customer
    expect(customer.metadata).toEqual({ organization_id: phoenix, user_id: owner.id })
  })

  it('gives the export link only after cancellation, with this organization\'s data and no one else\'s', async () => {
    const early = await api(owner.token, 'POST', `/organizations/${orgId}/export`)
    expect(early.status).toBe(409)
    const other = await api(stranger.token, 'POST', '/organizations', { name: 'Stranger Co' })
    expect(other.status).toBe(201)
    const [org] = await sql`select stripe_customer_id from public.organizations where id = ${orgId}`
    const sub = (await stripe.subscriptions.list({ customer: org.stripe_customer_id })).data[0]
    await stripe.subscriptions.cancel(sub.id)
    await until('the cancellation in the mirror', async () => (await sql`select billing_status from public.organizations where id = ${orgId}`)[0].billing_status === 'cancelled')
    expect((await api(member.token, 'POST', `/organizations/${orgId}/export`)).status).toBe(403)
    const r = await api(owner.token, 'POST', `/organizations/${orgId}/export`)
    expect(r.status).toBe(200)
    expect(Date.parse(r.body.expires_at)).toBeGreaterThan(Date.now())
    const exportId = new URL(r.body.url).searchParams.get('export')
    // (The cancellation's workflow built an export of its own for its email; these rows are this link's.)
    const audits = await sql`select action, detail from billing.audit_log
      where organization_id = ${orgId} and action like 'export.%' and detail ->> 'export_id' = ${exportId} order by id`
    expect(audits).toEqual([
      { action: 'export.created', detail: { export_id: exportId } },
      { action: 'export.link_created', detail: { export_id: exportId, user_id: owner.id } },
    ])
    const file = await (await fetch(r.body.url)).text()
    expect(file).toContain(orgId)
    expect(file).toContain(owner.email)
    expect(file).not.toContain('Stranger Co')
    expect(file).not.toContain(stranger.email)
    expect((await api(owner.token, 'GET', `/organizations/${orgId}`)).body.export).toEqual({ available: true })
  })
})

describe('sync-now', () => {
  it('fetches a customer at most once in two seconds, however often it is asked', async () => {
    const [{ stripe_customer_id: customerId }] = await sql`select stripe_customer_id from public.organizations where id = ${orgId}`
    let fetches = 0
    const deps = { sql, stripe: () => { throw new Error('not used') }, syncer: () => async () => void fetches++, appUrl: '', apiUrl: '', exportSecret: '' }
    const caller = { userId: owner.id, email: owner.email, claims: { sub: owner.id, role: 'authenticated' } }
    await new Promise((r) => setTimeout(r, SYNC_NOW_MIN_INTERVAL_MS))
    const answers = []
    for (let i = 0; i < 5; i++) answers.push((await syncNow(deps as never, caller, orgId)).synced)
    expect(answers).toEqual([true, false, false, false, false])
    expect(fetches).toBe(1)
    expect(customerId).toMatch(/^cus_/)
    await new Promise((r) => setTimeout(r, SYNC_NOW_MIN_INTERVAL_MS))
    expect((await syncNow(deps as never, caller, orgId)).synced).toBe(true)
    expect(fetches).toBe(2)
  })
})

describe('browsers', () => {
  it('answers the CORS preflight and marks every answer for cross-origin reads', async () => {
    const pre = await fetch(`${functionsUrl}/billing/organizations`, { method: 'OPTIONS', headers: { origin: 'http://127.0.0.1:3000', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization, apikey' } })
    expect(pre.status).toBe(204)
    expect(pre.headers.get('access-control-allow-origin')).toBe('*')
    expect(pre.headers.get('access-control-allow-headers')).toContain('authorization')
    const denied = await fetch(`${functionsUrl}/billing/organizations`, { headers: { apikey: keys.anon, authorization: `Bearer ${keys.anon}` } })
    expect(denied.headers.get('access-control-allow-origin')).toBe('*')
  })
})
