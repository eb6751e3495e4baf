// Checkout Sessions in subscription mode (and simple payment mode): created through the API, paid by
// a person on the hosted page at `url`. Completing one creates what Stripe creates: the customer (if
// none), the attached card as its default, the subscription with its first invoice, then
// `checkout.session.completed`.
import type Stripe from 'stripe'
import { shape, type Obj } from '../shape.ts'
import type { Emulator } from '../emulator.ts'
import { cardDeclined, invalid, required } from '../errors.ts'
import { bool, expand, expandPaths, int, page } from '../list.ts'
import { mergeMetadata, oneOf, route, str, type Route } from './common.ts'
import { assertAttachable, attach, behaviourOf } from './payment-methods.ts'
import { createCustomer } from './customers.ts'
import { createSubscription } from './subscription-create.ts'
import { payOnce } from '../billing/payments.ts'
import { resolveDiscount, type DiscountInput } from '../billing/discounts.ts'
import { promotionCodeByCode } from './coupons.ts'

const DAY = 86_400

function lineItems(emu: Emulator, p: Record<string, any>, mode: string): { price: Obj; quantity: number }[] {
  const raw = Array.isArray(p.line_items) ? p.line_items : []
  if (raw.length === 0) throw required('line_items')
  return raw.map((li: Obj, i: number) => {
    const price = emu.get('price', li.price, 'price', `line_items[${i}][price]`)
    if (!price.active) throw invalid('The price specified is inactive.', `line_items[${i}][price]`)
    if (mode === 'subscription' && !price.recurring) throw invalid('You must provide at least one recurring price in `subscription` mode when using prices.', `line_items[${i}][price]`)
    if (mode === 'payment' && price.recurring) throw invalid('You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.', `line_items[${i}][price]`)
    const quantity = int(li.quantity, `line_items[${i}][quantity]`) ?? 1
    if (quantity < 1) throw invalid('Quantity must be at least 1', `line_items[${i}][quantity]`)
    return { price, quantity }
  })
}

function url(value: unknown, param: string, requiredParam: boolean): string | null {
  if (value === undefined || value === '') {
    if (requiredParam) throw required(param)
    return null
  }
  try {
    new URL(String(value).replace('{CHECKOUT_SESSION_ID}', 'x'))
  } catch {
    throw invalid(`Not a valid URL`, param, 'url_invalid')
  }
  return String(value)
}

function create(emu: Emulator, p: Record<string, any>): Obj {
  const mode = oneOf(p.mode, ['subscription', 'payment'] as const, 'mode')
  if (!mode) throw required('mode')
  const items = lineItems(emu, p, mode)
  if (p.customer) {
    const c = emu.get('customer', p.customer, 'customer', 'customer')
    if (c.deleted) throw invalid(`No such customer: '${p.customer}'`, 'customer', 'resource_missing')
  }
  if (p.customer && p.customer_email) throw invalid('You may only specify one of these parameters: customer, customer_email.', 'customer_email')
  const collection = oneOf(p.payment_method_collection, ['always', 'if_required'] as const, 'payment_method_collection') ?? 'always'
  if (collection === 'if_required' && mode === 'payment') throw invalid('payment_method_collection=if_required is only supported in subscription mode.', 'payment_method_collection')
  const trialEndBehavior = oneOf(p.subscription_data?.trial_settings?.end_behavior?.missing_payment_method, ['cancel', 'create_invoice', 'pause'] as const, 'subscription_data[trial_settings][end_behavior][missing_payment_method]')
  if (p.allow_promotion_codes !== undefined && p.discounts !== undefined) throw invalid('You may only specify one of these parameters: allow_promotion_codes, discounts.', 'discounts')
  const discounts = Array.isArray(p.discounts) ? p.discounts.map((d: DiscountInput, i: number) => resolveDiscount(emu, d, `discounts[${i}]`, items[0].price.currency, p.customer ?? null)) : []
  const now = emu.now(emu.clockOfCustomer(p.customer))
  const id = emu.newId('cs_test', 58)
  const amount = items.reduce((s, i) => s + i.price.unit_amount * i.quantity, 0)
  const session = shape('checkout.session', {
    id,
    object: 'checkout.session',
    mode,
    status: 'open',
    payment_status: 'unpaid',
    url: `${emu.options.publicUrl}/checkout/${id}`,
    success_url: url(p.success_url, 'success_url', false),
    cancel_url: url(p.cancel_url, 'cancel_url', false),
    customer: p.customer ?? null,
    customer_email: str(p.customer_email, 'customer_email') ?? null,
    client_reference_id: str(p.client_reference_id, 'client_reference_id', 200) ?? null,
    metadata: mergeMetadata({}, p.metadata),
    allow_promotion_codes: bool(p.allow_promotion_codes, 'allow_promotion_codes') ?? null,
    amount_subtotal: amount,
    amount_total: amount,
    currency: items[0].price.currency,
    created: now,
    expires_at: int(p.expires_at, 'expires_at') ?? now + DAY,
    payment_method_types: ['card'],
    payment_method_collection: collection,
    ui_mode: 'hosted_page',
    customer_creation: mode === 'payment' ? 'if_required' : null,
    billing_address_collection: null,
    locale: null,
    subscription: null,
    invoice: null,
    payment_intent: null,
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
  } satisfies Partial<Stripe.Checkout.Session>)
  emu.put('checkout.session', session)
  for (const d of discounts) applyDiscount(session, d)
  Object.assign(emu.metaOf(id), {
    line_items: items.map((i) => ({ price: i.price.id, quantity: i.quantity })),
    subscription_data: { metadata: mergeMetadata({}, p.subscription_data?.metadata), trial_period_days: int(p.subscription_data?.trial_period_days, 'subscription_data[trial_period_days]'), trial_end_behavior: trialEndBehavior },
  })
  return session
}

/** A coupon (or promotion code) on the session: listed in `discounts`, taken off amount_total. */
function applyDiscount(session: Obj, d: { coupon: Obj; promo: Obj | null }): void {
  const left = session.amount_total
  const off = d.coupon.percent_off !== null ? Math.round((left * d.coupon.percent_off) / 100) : Math.min(d.coupon.amount_off, left)
  session.discounts = [...(session.discounts ?? []), { coupon: d.coupon.id, promotion_code: d.promo?.id ?? null }]
  session.amount_total = left - off
  session.total_details = { ...session.total_details, amount_discount: session.total_details.amount_discount + off }
}

/** A code typed on the hosted page of a session with allow_promotion_codes (Stripe's "Add promotion code"). */
export function enterPromotionCode(emu: Emulator, session: Obj, code: string): void {
  if (!session.allow_promotion_codes) throw invalid('This Checkout Session does not accept promotion codes.', 'promotion_code')
  const promo = promotionCodeByCode(emu, code)
  if (!promo) throw invalid('This code is invalid.', 'promotion_code', 'resource_missing')
  if (session.discounts?.some((d: Obj) => d.promotion_code === promo.id)) return
  if (session.discounts?.length) throw invalid('A promotion code is already applied.', 'promotion_code')
  applyDiscount(session, resolveDiscount(emu, { promotion_code: promo.id }, 'promotion_code', session.currency, session.customer))
}

/**
 * Whether the page may complete without a card: Stripe's docs ("Configure free trials without payment
 * methods"): with payment_method_collection=if_required, Checkout collects one only when something is
 * due now, so a trial (nothing due today) completes without.
 */
export function cardOptional(emu: Emulator, session: Obj): boolean {
  return session.payment_method_collection === 'if_required' && session.mode === 'subscription' && !!emu.metaOf(session.id).subscription_data.trial_period_days
}

/** What the hosted page (or `payment_pages/:id/confirm`) does when the person pays; `card` null: none given. */
export function completeCheckout(emu: Emulator, session: Obj, card: string | null, email: string | null): Obj {
  if (session.status !== 'open') throw invalid(`This Checkout Session is no longer active (status: ${session.status}).`, 'checkout_session', 'checkout_session_not_open')
  // On the clock the session was made on (its customer's test clock, if any): the emulator's own clock,
  // which tests move for the whole stack, says nothing about a session living on a test clock.
  if (emu.now(emu.clockOfCustomer(session.customer)) > session.expires_at) throw invalid('This Checkout Session has expired.', 'checkout_session', 'checkout_session_expired')
  const meta = emu.metaOf(session.id)
  const trial = session.mode === 'subscription' ? meta.subscription_data.trial_period_days : undefined
  if (card === null && !cardOptional(emu, session)) throw required('payment_method')
  if (card !== null) assertAttachable(emu, card)
  const existing = card === null ? undefined : emu.find(card)
  const failsOnCharge = card === null ? false : existing ? behaviourOf(emu, existing.id) === 'fails_on_charge' : /chargeCustomerFail/.test(card)
  // Checkout declines on the page and creates nothing when the first payment would fail.
  if (failsOnCharge && !trial && session.amount_total > 0) throw cardDeclined('Your card was declined.')
  const customerEmail = session.customer_email ?? email
  if (!session.customer && !customerEmail) throw required('email')
  const customer = session.customer ? emu.get('customer', session.customer, 'customer') : createCustomer(emu, { email: customerEmail, metadata: {} })
  const pm = card === null ? null : attach(emu, card, customer.id)
  if (pm && customer.invoice_settings.default_payment_method !== pm.id) {
    const before = structuredClone(customer.invoice_settings)
    customer.invoice_settings.default_payment_method = pm.id
    emu.emit('customer.updated', customer, { invoice_settings: before }, customer.test_clock)
  }
  session.customer = customer.id
  session.customer_details = { address: null, business_name: null, email: customer.email, individual_name: null, name: customer.name, phone: null, tax_exempt: 'none', tax_ids: [] }
  if (session.mode === 'subscription') {
    const sub = createSubscription(emu, {
      customer: customer.id, ...(pm ? { default_payment_method: pm.id } : {}), metadata: meta.subscription_data.metadata,
      items: meta.line_items, ...(trial ? { trial_period_days: String(trial) } : {}),
      ...(trial && meta.subscription_data.trial_end_behavior ? { trial_settings: { end_behavior: { missing_payment_method: meta.subscription_data.trial_end_behavior } } } : {}),
      ...(session.discounts?.length ? { discounts: session.discounts.map((d: Obj) => (d.promotion_code ? { promotion_code: d.promotion_code } : { coupon: d.coupon })) } : {}),
    })
    session.subscription = sub.id
    session.invoice = sub.latest_invoice
    session.payment_status = trial ? 'no_payment_required' : 'paid'
  } else {
    // A real PaymentIntent and Charge for the amount due, as Stripe makes (not an id of nothing).
    session.payment_intent = session.amount_total > 0 ? payOnce(emu, { customer, currency: session.currency, amount: session.amount_total, pmId: pm!.id }).id : null
    session.payment_status = 'paid'
  }
  session.status = 'complete'
  emu.emit('checkout.session.completed', session, undefined, customer.test_clock)
  return session
}

function expire(emu: Emulator, session: Obj): Obj {
  if (session.status !== 'open') throw invalid(`Only Checkout Sessions with a status of open can be expired.`, 'session', 'checkout_session_not_open')
  session.status = 'expired'
  emu.emit('checkout.session.expired', session)
  return session
}

export const checkoutRoutes: Route[] = [
  route('POST', '/v1/checkout/sessions', (emu, p) => expand(emu, create(emu, p), expandPaths(p))),
  route('GET', '/v1/checkout/sessions/:id', (emu, p, [id]) => {
    const session = emu.get('checkout.session', id, 'checkout.session')
    const paths = expandPaths(p)
    const out = expand(emu, session, paths.filter((x) => x !== 'line_items'))
    if (paths.includes('line_items')) out.line_items = lineItemList(emu, session)
    return out
  }),
  route('GET', '/v1/checkout/sessions/:id/line_items', (emu, _p, [id]) => lineItemList(emu, emu.get('checkout.session', id, 'checkout.session'))),
  route('POST', '/v1/checkout/sessions/:id/expire', (emu, _p, [id]) => expire(emu, emu.get('checkout.session', id, 'checkout.session'))),
  route('GET', '/v1/checkout/sessions', (emu, p) => {
    const items = emu.all('checkout.session').filter((s) => (!p.customer || s.customer === p.customer) && (!p.subscription || s.subscription === p.subscription) && (!p.status || s.status === p.status))
    return page(emu, '/v1/checkout/sessions', items, p)
  }),
  // The API Stripe's own hosted page calls; `stripe trigger checkout.session.completed` uses it.
  route('GET', '/v1/payment_pages/:id', (emu, _p, [id]) => emu.get('checkout.session', id, 'checkout.session')),
  route('POST', '/v1/payment_pages/:id/confirm', (emu, p, [id]) => {
    if (!p.payment_method) throw required('payment_method')
    return completeCheckout(emu, emu.get('checkout.session', id, 'checkout.session'), p.payment_method, p.email ?? 'checkout@example.com')
  }),
]

function lineItemList(emu: Emulator, session: Obj): Obj {
  const data = (emu.metaOf(session.id).line_items as { price: string; quantity: number }[]).map((li, i) => {
    const price = emu.find(li.price)!
    const product = emu.find(price.product)
    return {
      id: `li_${session.id.slice(-16)}${i}`, object: 'item', amount_discount: 0, amount_subtotal: price.unit_amount * li.quantity, amount_tax: 0,
      amount_total: price.unit_amount * li.quantity, currency: price.currency, description: product?.name ?? '', price, quantity: li.quantity,
    }
  })
  return { object: 'list', data, has_more: false, url: `/v1/checkout/sessions/${session.id}/line_items` }
}
