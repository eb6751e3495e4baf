// A broad scripted lifecycle for `npm run stripe:conformance` and its test: every /v1 route and hosted
// page the emulator has, driven with the official client (and the pages as a browser posts them), so
// strict mode sees every object type the emulator makes, as answers and as events.
import type Stripe from 'stripe'
import type { RunningEmulator } from '../server.ts'
import { loadCatalog } from '../../../scripts/stripe-catalog/catalog.ts'
import { setupCatalog } from '../../../scripts/stripe-catalog/setup.ts'

async function page(url: string, form?: Record<string, string>): Promise<number> {
  const res = await fetch(url, form ? { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) } : {})
  await res.arrayBuffer()
  return res.status
}

/** Runs the lifecycle; throws on the first call that fails (strict mode fails non-conforming answers). */
export async function runLifecycle(stripe: Stripe, emulator: RunningEmulator): Promise<void> {
  const emu = emulator.emu
  const later = async (seconds: number, clock?: string) => {
    await fetch(`${emulator.url}/_emulator/clock/advance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ seconds, ...(clock ? { test_clock: clock } : {}) }) })
  }
  // Catalogue: products and prices, updated, listed, searched.
  // The demo catalogue as npm run stripe:setup applies it (portal configuration, webhook endpoint included).
  await setupCatalog(stripe, loadCatalog(), { projectUrl: 'http://127.0.0.1:9' })
  const product = await stripe.products.create({ name: 'Conformance', description: 'every field', metadata: { 'limits.seats': '3' } })
  await stripe.products.update(product.id, { name: 'Conformance plan' })
  const monthly = await stripe.prices.create({ product: product.id, unit_amount: 1500, currency: 'usd', recurring: { interval: 'month' }, nickname: 'Monthly', lookup_key: 'conformance_monthly', expand: ['product'] })
  const yearly = await stripe.prices.create({ product: product.id, unit_amount: 15000, currency: 'usd', recurring: { interval: 'year' } })
  const once = await stripe.prices.create({ product: product.id, unit_amount: 500, currency: 'usd' })
  await stripe.prices.update(once.id, { metadata: { kind: 'one-time' } })
  await stripe.prices.update(yearly.id, { lookup_key: 'conformance_monthly', transfer_lookup_key: true })
  const config = await stripe.billingPortal.configurations.create({ business_profile: { headline: 'Conformance' }, features: { invoice_history: { enabled: true } }, metadata: { k: 'v' } })
  await stripe.billingPortal.configurations.update(config.id, { features: { subscription_cancel: { enabled: true, mode: 'immediately' }, subscription_update: { enabled: true, default_allowed_updates: ['price'], proration_behavior: 'none', products: [{ product: product.id, prices: [monthly.id, yearly.id] }] } } })
  await stripe.billingPortal.configurations.retrieve(config.id)
  await stripe.billingPortal.configurations.list({ is_default: false })
  await stripe.prices.retrieve(monthly.id, { expand: ['product'] })
  await stripe.prices.list({ limit: 3, active: true })
  await stripe.products.list({ limit: 3 })
  await stripe.products.retrieve(product.id)
  await stripe.prices.search({ query: `product:'${product.id}'` })
  await stripe.products.search({ query: "name~'Conformance'" })
  const scrap = await stripe.products.create({ name: 'Scrap' })
  await stripe.products.del(scrap.id)

  // Customers and payment methods.
  const customer = await stripe.customers.create({ email: 'contract@example.test', name: 'Contract Co', metadata: { user_id: 'u1' }, payment_method: 'pm_card_visa', invoice_settings: { default_payment_method: 'pm_card_visa' } })
  await stripe.customers.update(customer.id, { name: 'Contract Company', address: { line1: '1 Main St', country: 'US' } })
  await stripe.customers.retrieve(customer.id, { expand: ['invoice_settings.default_payment_method'] })
  await stripe.customers.list({ email: 'contract@example.test' })
  await stripe.customers.search({ query: "email:'contract@example.test'" })
  const pm = await stripe.paymentMethods.create({ type: 'card', card: { token: 'tok_visa' } })
  await stripe.paymentMethods.attach(pm.id, { customer: customer.id })
  await stripe.paymentMethods.update(pm.id, { billing_details: { name: 'Contract Company' } })
  await stripe.paymentMethods.retrieve(pm.id)
  await stripe.paymentMethods.list({ customer: customer.id, type: 'card' })
  await stripe.customers.listPaymentMethods(customer.id)
  await stripe.paymentMethods.detach(pm.id)

  // Subscriptions: create, change plan with proration, cancel at period end, resume, months pass.
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id, quantity: 2 }], metadata: { organization_id: 'org-1' }, expand: ['latest_invoice'] })
  await stripe.subscriptions.retrieve(sub.id, { expand: ['items.data.price.product', 'customer', 'default_payment_method'] })
  await stripe.subscriptions.update(sub.id, { items: [{ id: sub.items.data[0].id, price: yearly.id }], proration_behavior: 'create_prorations' })
  await stripe.subscriptions.update(sub.id, { cancel_at_period_end: true })
  await stripe.subscriptions.update(sub.id, { cancel_at_period_end: false })
  await stripe.subscriptions.list({ customer: customer.id, status: 'all', expand: ['data.latest_invoice'] })
  await stripe.subscriptions.search({ query: `status:'active'` })
  await stripe.subscriptionItems.list({ subscription: sub.id })
  await stripe.invoices.createPreview({ customer: customer.id, subscription: sub.id })

  // Invoices and invoice items: a one-off invoice through every state, lines, payments, charges.
  const item = await stripe.invoiceItems.create({ customer: customer.id, pricing: { price: once.id } })
  await stripe.invoiceItems.retrieve(item.id)
  await stripe.invoiceItems.list({ customer: customer.id })
  const draft = await stripe.invoices.create({ customer: customer.id, pending_invoice_items_behavior: 'include', collection_method: 'send_invoice', days_until_due: 7 })
  await stripe.invoices.update(draft.id, { description: 'One-off', metadata: { kind: 'one-off' } })
  const open = await stripe.invoices.finalizeInvoice(draft.id)
  await stripe.invoices.sendInvoice(open.id)
  await stripe.invoices.listLineItems(open.id)
  await stripe.invoices.pay(open.id, { expand: ['payments'] })
  const toVoid = await stripe.invoices.finalizeInvoice((await stripe.invoices.create({ customer: customer.id, collection_method: 'send_invoice', days_until_due: 3 })).id)
  await stripe.invoices.voidInvoice(toVoid.id)
  const bad = await stripe.invoices.finalizeInvoice((await stripe.invoices.create({ customer: customer.id, collection_method: 'send_invoice', days_until_due: 3 })).id)
  await stripe.invoices.markUncollectible(bad.id)
  const scratch = await stripe.invoices.create({ customer: customer.id })
  await stripe.invoices.del(scratch.id)
  const scrapItem = await stripe.invoiceItems.create({ customer: customer.id, amount: 100, currency: 'usd' })
  await stripe.invoiceItems.del(scrapItem.id)
  const invoices = await stripe.invoices.list({ customer: customer.id, expand: ['data.payments'] })
  await stripe.invoices.search({ query: `customer:'${customer.id}'` })
  const paid = invoices.data.find((i) => i.status === 'paid')!
  await stripe.invoices.retrieve(paid.id, { expand: ['payments.data.payment.payment_intent', 'customer'] })
  const payments = await stripe.invoicePayments.list({ invoice: paid.id })
  const intent = payments.data[0]?.payment.payment_intent
  if (typeof intent === 'string') {
    const pi = await stripe.paymentIntents.retrieve(intent, { expand: ['latest_charge'] })
    if (typeof pi.latest_charge === 'string') await stripe.charges.retrieve(pi.latest_charge)
  }
  await stripe.charges.list({ customer: customer.id })

  // A failing card: renewals fail, dunning retries, the hosted invoice page and the portal recover.
  const failing = await stripe.customers.create({ email: 'failing@example.test', payment_method: 'pm_card_visa', invoice_settings: { default_payment_method: 'pm_card_visa' } })
  const failingSub = await stripe.subscriptions.create({ customer: failing.id, items: [{ price: monthly.id }] })
  await stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: failing.id }).then((p) =>
    stripe.customers.update(failing.id, { invoice_settings: { default_payment_method: p.id } }))
  await later(32 * 86_400)
  const due = (await stripe.invoices.list({ customer: failing.id, status: 'open' })).data[0]
  if (due?.hosted_invoice_url) {
    await page(due.hosted_invoice_url)
    await page(`${due.hosted_invoice_url}/pdf`)
  }
  const portal = await stripe.billingPortal.sessions.create({ customer: failing.id, return_url: 'http://app.test/billing' })
  await page(portal.url)
  if (due) await page(portal.url, { action: 'pay_invoice', invoice: due.id })
  await page(portal.url, { action: 'update_card', card: 'pm_card_visa' })
  if (due) await page(portal.url, { action: 'pay_invoice', invoice: due.id })
  await page(portal.url, { action: 'cancel', subscription: failingSub.id })
  await page(portal.url, { action: 'resume', subscription: failingSub.id })
  await page(portal.url, { action: 'change_plan', subscription: failingSub.id, price: yearly.id })
  await page(portal.url, { action: 'cancel_now', subscription: failingSub.id })
  const declined = await stripe.customers.create({ email: 'declined@example.test', payment_method: 'pm_card_chargeCustomerFail', invoice_settings: { default_payment_method: 'pm_card_chargeCustomerFail' } })
  const incomplete = await stripe.subscriptions.create({ customer: declined.id, items: [{ price: monthly.id }], payment_behavior: 'allow_incomplete' })
  await stripe.subscriptions.cancel(incomplete.id, { invoice_now: false, prorate: false })

  // Checkout: subscription and payment mode, paid on the page, confirmed through the API, expired.
  const checkout = await stripe.checkout.sessions.create({ mode: 'subscription', line_items: [{ price: monthly.id, quantity: 1 }], customer_email: 'checkout@example.test', success_url: 'http://app.test/ok?session_id={CHECKOUT_SESSION_ID}', cancel_url: 'http://app.test/cancel', subscription_data: { trial_period_days: 14, metadata: { organization_id: 'org-2' } }, metadata: { organization_id: 'org-2' } })
  await page(checkout.url!)
  await page(checkout.url!, { card: 'pm_card_visa' })
  await stripe.checkout.sessions.retrieve(checkout.id, { expand: ['subscription', 'customer', 'line_items'] })
  await stripe.checkout.sessions.listLineItems(checkout.id)
  await stripe.checkout.sessions.list({ limit: 5 })
  const oneTime = await stripe.checkout.sessions.create({ mode: 'payment', line_items: [{ price: once.id, quantity: 2 }], customer: customer.id, success_url: 'http://app.test/ok' })
  await stripe.rawRequest('GET', `/v1/payment_pages/${oneTime.id}`, {})
  await stripe.rawRequest('POST', `/v1/payment_pages/${oneTime.id}/confirm`, { payment_method: 'pm_card_visa' })
  const abandoned = await stripe.checkout.sessions.create({ mode: 'subscription', line_items: [{ price: monthly.id }], success_url: 'http://app.test/ok' })
  await stripe.checkout.sessions.expire(abandoned.id)

  // Trials on a test clock: trial_will_end, the trial ends, renewals, and the clock's own lifecycle.
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: Math.floor(Date.now() / 1000), name: 'conformance' })
  const trialing = await stripe.customers.create({ email: 'trial@example.test', test_clock: clock.id, payment_method: 'pm_card_visa', invoice_settings: { default_payment_method: 'pm_card_visa' } })
  const trialSub = await stripe.subscriptions.create({ customer: trialing.id, items: [{ price: monthly.id }], trial_period_days: 7 })
  await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: clock.frozen_time + 40 * 86_400 })
  const paused = await stripe.customers.create({ email: 'paused@example.test', test_clock: clock.id })
  const pausedSub = await stripe.subscriptions.create({ customer: paused.id, items: [{ price: monthly.id }], trial_period_days: 3, trial_settings: { end_behavior: { missing_payment_method: 'pause' } } })
  await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: clock.frozen_time + 45 * 86_400 })
  await stripe.paymentMethods.attach('pm_card_visa', { customer: paused.id }).then((p) => stripe.customers.update(paused.id, { invoice_settings: { default_payment_method: p.id } }))
  await stripe.subscriptions.resume(pausedSub.id, {})
  await stripe.testHelpers.testClocks.retrieve(clock.id)
  await stripe.testHelpers.testClocks.list()
  await stripe.subscriptions.update(trialSub.id, { cancel_at_period_end: true })
  await stripe.subscriptions.cancel(trialSub.id)
  await stripe.testHelpers.testClocks.del(clock.id)
  await emu.webhooks.idle(10_000)

  // Money back, cards saved for later, discounts, and the invoice PDF.
  const paidInvoice = await stripe.invoices.list({ customer: customer.id, status: 'paid', limit: 1, expand: ['data.payments'] })
  const paidIntent = paidInvoice.data[0]?.payments?.data[0]?.payment.payment_intent as string | undefined
  if (paidIntent) {
    const refund = await stripe.refunds.create({ payment_intent: paidIntent, amount: 100, reason: 'requested_by_customer' })
    await stripe.refunds.update(refund.id, { metadata: { k: 'v' } })
    await stripe.refunds.retrieve(refund.id)
    await stripe.refunds.list({ payment_intent: paidIntent })
    await stripe.invoicePayments.list({ invoice: paidInvoice.data[0].id })
    if (paidInvoice.data[0].invoice_pdf) await page(paidInvoice.data[0].invoice_pdf)
  }
  const setup = await stripe.setupIntents.create({ customer: customer.id, usage: 'off_session' })
  await stripe.setupIntents.confirm(setup.id, { payment_method: 'pm_card_chargeDeclined' }).catch(() => null)
  await stripe.setupIntents.confirm(setup.id, { payment_method: 'pm_card_mastercard' })
  await stripe.setupIntents.cancel((await stripe.setupIntents.create({ customer: customer.id })).id)
  await stripe.setupIntents.list({ customer: customer.id })
  const coupon = await stripe.coupons.create({ percent_off: 20, duration: 'repeating', duration_in_months: 3, name: 'Conformance' })
  const fixedOff = await stripe.coupons.create({ amount_off: 300, currency: 'usd', duration: 'once' })
  const promo = await stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: coupon.id }, code: 'CONFORM20', max_redemptions: 5 })
  await stripe.promotionCodes.update(promo.id, { metadata: { k: 'v' } })
  await stripe.promotionCodes.list({ code: 'CONFORM20' })
  await stripe.coupons.list()
  const discounted = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }], discounts: [{ promotion_code: promo.id }], expand: ['latest_invoice', 'discounts'] })
  await stripe.subscriptions.update(discounted.id, { discounts: [{ coupon: fixedOff.id }] })
  await stripe.subscriptions.update(discounted.id, { discounts: '' })
  const promoCheckout = await stripe.checkout.sessions.create({ mode: 'subscription', line_items: [{ price: monthly.id, quantity: 1 }], customer_email: 'promo@example.test', allow_promotion_codes: true, success_url: 'http://app.test/ok' })
  await page(promoCheckout.url!, { card: 'pm_card_visa', promotion_code: 'conform20' })
  await stripe.checkout.sessions.retrieve(promoCheckout.id)
  await stripe.coupons.del((await stripe.coupons.create({ percent_off: 1, duration: 'forever' })).id)

  // Events, webhook endpoints, and the deleted customer.
  const events = await stripe.events.list({ limit: 100, types: ['invoice.paid', 'customer.subscription.updated'] })
  if (events.data[0]) await stripe.events.retrieve(events.data[0].id)
  const endpoint = await stripe.webhookEndpoints.create({ url: 'http://127.0.0.1:9/hook', enabled_events: ['invoice.paid'] })
  await stripe.webhookEndpoints.update(endpoint.id, { enabled_events: ['*'], description: 'conformance' })
  await stripe.webhookEndpoints.retrieve(endpoint.id)
  await stripe.webhookEndpoints.list()
  await stripe.webhookEndpoints.del(endpoint.id)
  await stripe.customers.del(declined.id)
  await stripe.customers.retrieve(declined.id)
}
