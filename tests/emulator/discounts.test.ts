// Coupons, promotion codes and discounts as Stripe documents them ("Coupons and promotion codes";
// API reference "The Coupon object", "The Promotion Code object", "The Discount object"; the events
// customer.discount.created / updated / deleted): discounted invoice amounts, how long each duration
// lasts, the errors for unknown, inactive and used-up codes, and a code typed on the hosted Checkout page.
import { describe, expect, it } from 'vitest'
import Stripe from 'stripe'
import { clockPerTest, emulatorForFile, harnessWithPlan, type Harness } from './harness.ts'

let h: Harness
let stripe: Stripe
let price: Stripe.Price

emulatorForFile((started) => ({ h, stripe, price } = started), harnessWithPlan)
const clock = clockPerTest(() => stripe)

const customer = () => stripe.customers.create({ email: 'promo@example.test', test_clock: clock.current.id, payment_method: 'pm_card_visa', invoice_settings: { default_payment_method: 'pm_card_visa' } })
const advance = (days: number) => clock.advance(days)
const invoicesOf = async (sub: string) => (await stripe.invoices.list({ subscription: sub })).data.reverse()

async function typesSince(run: () => Promise<unknown>): Promise<Stripe.Event[]> {
  await h.settle()
  const from = h.received.length
  await run()
  await h.settle()
  return h.received.slice(from).map((r) => r.event)
}

describe('coupons and promotion codes on a subscription', () => {
  it('a 25% promotion code: the invoice lists the discount, its amounts and a total net of it; customer.discount.created', async () => {
    const coupon = await stripe.coupons.create({ percent_off: 25, duration: 'forever', name: 'Quarter off' })
    const promo = await stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: coupon.id }, code: `SAVE25${Date.now()}` })
    expect(promo).toMatchObject({ object: 'promotion_code', active: true, times_redeemed: 0, promotion: { type: 'coupon', coupon: coupon.id } })
    const c = await customer()
    let sub!: Stripe.Subscription
    const events = await typesSince(async () => (sub = await stripe.subscriptions.create({ customer: c.id, items: [{ price: price.id }], discounts: [{ promotion_code: promo.id }] })))
    expect(sub.discounts).toHaveLength(1)
    const created = events.find((e) => e.type === 'customer.discount.created')!
    expect(created.data.object).toMatchObject({ object: 'discount', id: sub.discounts[0], subscription: sub.id, customer: c.id, promotion_code: promo.id, source: { type: 'coupon', coupon: coupon.id }, end: null })
    const invoice = await stripe.invoices.retrieve(sub.latest_invoice as string)
    expect(invoice).toMatchObject({ subtotal: 2900, total: 2175, amount_due: 2175, amount_paid: 2175, status: 'paid', discounts: [sub.discounts[0]] })
    expect(invoice.total_discount_amounts).toEqual([{ amount: 725, discount: sub.discounts[0] }])
    expect(invoice.lines.data[0]).toMatchObject({ amount: 2900, discount_amounts: [{ amount: 725, discount: sub.discounts[0] }] })
    expect(await stripe.coupons.retrieve(coupon.id)).toMatchObject({ times_redeemed: 1, valid: true })
    expect((await stripe.promotionCodes.retrieve(promo.id)).times_redeemed).toBe(1)
    await advance(31)
    expect((await invoicesOf(sub.id))[1]).toMatchObject({ billing_reason: 'subscription_cycle', total: 2175 })
  })

  it('repeating for 2 months discounts two invoices, then ends with customer.discount.deleted', async () => {
    const coupon = await stripe.coupons.create({ amount_off: 1000, currency: 'usd', duration: 'repeating', duration_in_months: 2 })
    const c = await customer()
    const sub = await stripe.subscriptions.create({ customer: c.id, items: [{ price: price.id }], discounts: [{ coupon: coupon.id }] })
    expect((await stripe.invoices.retrieve(sub.latest_invoice as string)).total).toBe(1900)
    await advance(31)
    const ended = await typesSince(() => advance(29))
    expect((await invoicesOf(sub.id)).map((i) => i.total)).toEqual([1900, 1900, 2900])
    const deleted = ended.find((e) => e.type === 'customer.discount.deleted')!
    expect(deleted.data.object).toMatchObject({ id: sub.discounts[0], end: expect.any(Number) })
    expect((await stripe.subscriptions.retrieve(sub.id)).discounts).toEqual([])
  })

  it('once discounts only the first invoice', async () => {
    const coupon = await stripe.coupons.create({ percent_off: 50, duration: 'once' })
    const c = await customer()
    const sub = await stripe.subscriptions.create({ customer: c.id, items: [{ price: price.id }], discounts: [{ coupon: coupon.id }] })
    await advance(31)
    expect((await invoicesOf(sub.id)).map((i) => i.total)).toEqual([1450, 2900])
  })

  it('replacing a subscription\'s discount sends customer.discount.updated; removing it, customer.discount.deleted', async () => {
    const [a, b] = [await stripe.coupons.create({ percent_off: 10, duration: 'forever' }), await stripe.coupons.create({ percent_off: 20, duration: 'forever' })]
    const c = await customer()
    const sub = await stripe.subscriptions.create({ customer: c.id, items: [{ price: price.id }], discounts: [{ coupon: a.id }] })
    const swapped = await typesSince(() => stripe.subscriptions.update(sub.id, { discounts: [{ coupon: b.id }] }))
    expect(swapped.map((e) => e.type)).toEqual(['customer.discount.updated', 'customer.subscription.updated'])
    expect(swapped[0].data.object).toMatchObject({ source: { coupon: b.id } })
    expect(swapped[0].data.previous_attributes).toMatchObject({ source: { coupon: a.id } })
    const removed = await typesSince(() => stripe.subscriptions.update(sub.id, { discounts: '' }))
    expect(removed.map((e) => e.type)).toEqual(['customer.discount.deleted', 'customer.subscription.updated'])
    expect((await stripe.subscriptions.retrieve(sub.id)).discounts).toEqual([])
  })

  it('refuses unknown, inactive and used-up codes and expired coupons with Stripe\'s errors, creating nothing', async () => {
    const c = await customer()
    const coupon = await stripe.coupons.create({ percent_off: 10, duration: 'forever', max_redemptions: 1 })
    const items = [{ price: price.id }]
    await expect(stripe.subscriptions.create({ customer: c.id, items, discounts: [{ promotion_code: 'promo_unknown' }] }))
      .rejects.toMatchObject({ statusCode: 404, code: 'resource_missing', param: 'discounts[0][promotion_code]' })
    const promo = await stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: coupon.id }, code: `OFF${Date.now()}` })
    await stripe.promotionCodes.update(promo.id, { active: false })
    await expect(stripe.subscriptions.create({ customer: c.id, items, discounts: [{ promotion_code: promo.id }] }))
      .rejects.toMatchObject({ statusCode: 400, param: 'discounts[0][promotion_code]' })
    await stripe.subscriptions.create({ customer: c.id, items, discounts: [{ coupon: coupon.id }] })
    expect(await stripe.coupons.retrieve(coupon.id)).toMatchObject({ times_redeemed: 1, valid: false })
    await expect(stripe.subscriptions.create({ customer: c.id, items, discounts: [{ coupon: coupon.id }] }))
      .rejects.toMatchObject({ statusCode: 400, code: 'coupon_expired', param: 'discounts[0][coupon]' })
    const soon = await stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: (await stripe.coupons.create({ percent_off: 5, duration: 'once' })).id }, expires_at: Math.floor(Date.now() / 1000) + 60 })
    await h.control('/clock/advance', { seconds: 3600 })
    await expect(stripe.subscriptions.create({ customer: c.id, items, discounts: [{ promotion_code: soon.id }] }))
      .rejects.toMatchObject({ statusCode: 400, code: 'coupon_expired' })
    expect((await stripe.subscriptions.list({ customer: c.id })).data).toHaveLength(1)
  })
})

describe('allow_promotion_codes on Checkout', () => {
  const post = async (url: string, form: Record<string, string>) => {
    const res = await fetch(url, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) })
    return { status: res.status, html: await res.text() }
  }

  it('the hosted page takes a code: an unknown one is refused on the page, a valid one discounts the session and the subscription', async () => {
    const coupon = await stripe.coupons.create({ amount_off: 900, currency: 'usd', duration: 'forever' })
    const code = `WELCOME${Date.now()}`
    const promo = await stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: coupon.id }, code })
    const session = await stripe.checkout.sessions.create({ mode: 'subscription', line_items: [{ price: price.id, quantity: 1 }], customer_email: 'checkout-promo@example.test', allow_promotion_codes: true, success_url: 'http://app.test/ok' })
    expect(session.allow_promotion_codes).toBe(true)
    expect(await (await fetch(session.url!)).text()).toContain('Promotion code')
    const bad = await post(session.url!, { card: 'pm_card_visa', promotion_code: 'NOPE' })
    expect(bad.status).toBe(400)
    expect(bad.html).toContain('This code is invalid.')
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe('open')
    const ok = await post(session.url!, { card: 'pm_card_visa', promotion_code: code.toLowerCase() })
    expect(ok.status).toBe(303)
    const done = await stripe.checkout.sessions.retrieve(session.id)
    expect(done).toMatchObject({ status: 'complete', amount_subtotal: 2900, amount_total: 2000, total_details: { amount_discount: 900 }, discounts: [{ coupon: coupon.id, promotion_code: promo.id }] })
    const sub = await stripe.subscriptions.retrieve(done.subscription as string, { expand: ['discounts'] })
    expect((sub.discounts[0] as Stripe.Discount).promotion_code).toBe(promo.id)
    expect(await stripe.invoices.retrieve(done.invoice as string)).toMatchObject({ total: 2000, amount_paid: 2000 })
  })

  it('refuses allow_promotion_codes together with discounts', async () => {
    const coupon = await stripe.coupons.create({ percent_off: 10, duration: 'once' })
    await expect(stripe.checkout.sessions.create({ mode: 'subscription', line_items: [{ price: price.id, quantity: 1 }], allow_promotion_codes: true, discounts: [{ coupon: coupon.id }] }))
      .rejects.toMatchObject({ statusCode: 400, param: 'discounts' })
  })
})
