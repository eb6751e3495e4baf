// The billing edge function's Checkout, sync-now and portal against the stack's Stripe emulator. Every
// test signs up its own owner and makes its own organization (and Stripe customer).
import { describe, expect, it } from 'vitest'
import type Stripe from 'stripe'
import type { Overview } from '../../supabase/functions/_shared/billing/api-types.ts'
import { syncNow, SYNC_NOW_MIN_INTERVAL_MS } from '../../supabase/functions/_shared/billing/actions.ts'
import { api, billingTestFile, newOrg, payCheckout, signUp, subscribedOrg, until } from '../helpers/billing-api.ts'
import { stackProfile } from '../helpers/stack.ts'

const file = billingTestFile(4200)
const { sql, stripe } = file

describe('checkout and portal', () => {
  it('creates the Stripe customer before payment, and the page state right after paying', async () => {
    const owner = await signUp()
    const orgId = await newOrg(owner)
    const r = await api(owner.token, 'POST', `/organizations/${orgId}/checkout`, { price_id: file.price.id })
    expect(r.status).toBe(200)
    expect(r.body.url).toMatch(new RegExp(`^http://127.0.0.1:${stackProfile.ports.stripe}/checkout/cs_test_`))
    const [org] = await sql`select stripe_customer_id from public.organizations where id = ${orgId}`
    const customer = (await stripe.customers.retrieve(org.stripe_customer_id)) as Stripe.Customer
    expect(customer.metadata).toEqual({ organization_id: orgId, user_id: owner.id })
    const paid = await payCheckout(r.body.url)
    expect(paid.status).toBe(303)
    expect(paid.headers.get('location')).toContain(`/billing/${orgId}?checkout=success&session_id=cs_test_`)
    // sync-now fetches from Stripe at once, so the answer already shows the plan.
    const synced = await api(owner.token, 'POST', `/organizations/${orgId}/sync`)
    expect(synced.status).toBe(200)
    const o = synced.body.overview as Overview
    expect(o.subscription).toMatchObject({ status: 'active', price_id: file.price.id, unit_amount: 4200, interval: 'month' })
    expect(o.organization.billing_status).toBe('active')
    expect(o.invoices[0]).toMatchObject({ status: 'paid', amount_paid: 4200 })
    expect(synced.body.synced).toBe(true)
    const soon = await api(owner.token, 'POST', `/organizations/${orgId}/sync`)
    expect(soon.body).toMatchObject({ synced: false, overview: { subscription: { status: 'active' } } })
    const again = await api(owner.token, 'POST', `/organizations/${orgId}/checkout`, { price_id: file.price.id })
    expect(again.status).toBe(409)
    expect(again.body.error.code).toBe('already_subscribed')
  })

  it('a subscription bought through our checkout makes the new card that pays a failed invoice its default for future invoices (issue 13 item 3)', async () => {
    const owner = await signUp()
    const swapOrg = await newOrg(owner, 'Card Swap Co')
    const r = await api(owner.token, 'POST', `/organizations/${swapOrg}/checkout`, { price_id: file.price.id })
    expect((await payCheckout(r.body.url)).status).toBe(303)
    await api(owner.token, 'POST', `/organizations/${swapOrg}/sync`)
    const [{ stripe_customer_id: customerId }] = await sql`select stripe_customer_id from public.organizations where id = ${swapOrg}`
    const [sub] = (await stripe.subscriptions.list({ customer: customerId })).data
    // The sync (here sync-now; else the webhook's) makes Stripe save the paying method on the subscription.
    await until('save_default_payment_method on the subscription', async () =>
      (await stripe.subscriptions.retrieve(sub.id)).payment_settings?.save_default_payment_method === 'on_subscription')
    // The card on file starts failing: the next invoice of the subscription fails and stays open.
    const failing = await stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: customerId })
    await stripe.subscriptions.update(sub.id, { default_payment_method: failing.id })
    const bigger = await stripe.prices.create({ product: file.price.product as string, unit_amount: 9900, currency: 'usd', recurring: { interval: 'month' } })
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
    const owner = await signUp()
    const { orgId } = await subscribedOrg(sql, owner, file.price.id)
    const r = await api(owner.token, 'POST', `/organizations/${orgId}/portal`)
    expect(r.status).toBe(200)
    const page = await (await fetch(r.body.url)).text()
    expect(page).toContain('Cancel subscription')
    expect(page).toContain(`/billing/${orgId}?portal=return`)
  })

  it('starts over with a new Stripe customer when the organization\'s was deleted in Stripe', async () => {
    const owner = await signUp()
    const phoenix = await newOrg(owner, 'Phoenix Co')
    expect((await api(owner.token, 'POST', `/organizations/${phoenix}/checkout`, { price_id: file.price.id })).status).toBe(200)
    const [{ stripe_customer_id: old }] = await sql`select stripe_customer_id from public.organizations where id = ${phoenix}`
    await stripe.customers.del(old)
    await until('the deletion in the mirror', async () => (await sql`select deleted from public.stripe_customers where id = ${old}`)[0]?.deleted)
    const portal = await api(owner.token, 'POST', `/organizations/${phoenix}/portal`)
    expect(portal).toMatchObject({ status: 409, body: { error: { code: 'customer_deleted' } } })
    const again = await api(owner.token, 'POST', `/organizations/${phoenix}/checkout`, { price_id: file.price.id })
    expect(again.status).toBe(200)
    const [{ stripe_customer_id: fresh }] = await sql`select stripe_customer_id from public.organizations where id = ${phoenix}`
    expect(fresh).not.toBe(old)
    const customer = (await stripe.customers.retrieve(fresh)) as Stripe.Customer
    expect(customer.metadata).toEqual({ organization_id: phoenix, user_id: owner.id })
  })
})

describe('sync-now', () => {
  it('fetches a customer at most once in two seconds, however often it is asked', async () => {
    const owner = await signUp()
    const orgId = await newOrg(owner)
    expect((await api(owner.token, 'POST', `/organizations/${orgId}/checkout`, { price_id: file.price.id })).status).toBe(200)
    const [{ stripe_customer_id: customerId }] = await sql`select stripe_customer_id from public.organizations where id = ${orgId}`
    expect(customerId).toMatch(/^cus_/)
    let fetches = 0
    const deps = { sql, stripe: () => { throw new Error('not used') }, syncer: () => async () => void fetches++, appUrl: '', apiUrl: '', exportSecret: '' }
    const caller = { userId: owner.id, email: owner.email, claims: { sub: owner.id, role: 'authenticated' } }
    const answers = []
    for (let i = 0; i < 5; i++) answers.push((await syncNow(deps as never, caller, orgId)).synced)
    expect(answers).toEqual([true, false, false, false, false])
    expect(fetches).toBe(1)
    await new Promise((r) => setTimeout(r, SYNC_NOW_MIN_INTERVAL_MS))
    expect((await syncNow(deps as never, caller, orgId)).synced).toBe(true)
    expect(fetches).toBe(2)
  })
})
