// Promotion codes at our Checkout (allow_promotion_codes): a bad code (unknown, expired, inactive, used
// up, first-time only for a returning customer) answers with a clear message and changes nothing; a good
// one discounts the subscription, the mirror keeps the discount with its coupon and end, the billing
// overview shows it, and the receipt names the discount line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type Stripe from 'stripe'
import { until } from '../helpers/billing-api.ts'
import { checkout, organization, overviewOf, plan, stripe, submitPage } from '../helpers/checkout.ts'
import { adminSql, uniq } from '../helpers/stack.ts'

const sql = adminSql()
let price: Stripe.Price
let coupon: Stripe.Coupon
beforeAll(async () => {
  price = await plan(sql, {}, 2000)
  coupon = await stripe.coupons.create({ percent_off: 20, duration: 'repeating', duration_in_months: 3, name: 'Launch' })
}, 60_000)
afterAll(async () => {
  await sql.end()
})

const code = () => uniq('PROMO').replace(/[^A-Za-z0-9]/g, '').toUpperCase()
const promo = (extra: Partial<Stripe.PromotionCodeCreateParams> = {}) => stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: coupon.id }, code: code(), ...extra })

/** A code typed on the page must fail with `message`, and leave the session open, undiscounted and unpaid. */
async function refused(typed: string, message: string): Promise<void> {
  const { token, org, customer } = await organization(sql)
  const { url, session } = await checkout(token, org, price)
  const page = await submitPage(url, { promotion_code: typed, card: 'pm_card_visa' })
  expect(page.status).toBe(400)
  expect(page.html).toContain(message)
  const after = await stripe.checkout.sessions.retrieve(session.id)
  expect([after.status, after.discounts ?? [], after.amount_total]).toEqual(['open', [], 2000])
  expect((await stripe.subscriptions.list({ customer: customer.id })).data).toEqual([])
}

describe('promotion codes at Checkout', () => {
  it('an unknown code: "This code is invalid."', { timeout: 60_000 }, async () => {
    await refused('NOSUCHCODE', 'This code is invalid.')
  })

  it('an expired code says it has expired', { timeout: 60_000 }, async () => {
    const p = await promo({ expires_at: Math.floor(Date.now() / 1000) + 2 })
    await new Promise((r) => setTimeout(r, 3000))
    await refused(p.code, `This promotion code has expired: ${p.code}.`)
  })

  it('an inactive code says it is not active', { timeout: 60_000 }, async () => {
    const p = await promo()
    await stripe.promotionCodes.update(p.id, { active: false })
    await refused(p.code, `This promotion code is not active: ${p.code}.`)
  })

  it('a code used as often as max_redemptions allows says it has been used up', { timeout: 60_000 }, async () => {
    const p = await promo({ max_redemptions: 1 })
    const other = await stripe.customers.create({ email: 'other@example.test', payment_method: 'pm_card_visa', invoice_settings: { default_payment_method: 'pm_card_visa' } })
    await stripe.subscriptions.create({ customer: other.id, items: [{ price: price.id }], discounts: [{ promotion_code: p.id }] })
    await refused(p.code, `This promotion code has been used up (its maximum redemptions were reached): ${p.code}.`)
    expect((await stripe.promotionCodes.retrieve(p.id)).times_redeemed).toBe(1)
  })

  it('a good code: the subscription and invoice are discounted; the mirror, the overview and the receipt show it', { timeout: 90_000 }, async () => {
    const p = await promo()
    const { token, org, customer, email } = await organization(sql)
    const { url, session } = await checkout(token, org, price)
    expect(session.allow_promotion_codes).toBe(true)
    expect((await submitPage(url, { promotion_code: p.code.toLowerCase(), card: 'pm_card_visa' })).status).toBe(303)
    const [sub] = (await stripe.subscriptions.list({ customer: customer.id })).data
    expect(sub.discounts).toHaveLength(1)
    const invoice = await stripe.invoices.retrieve(sub.latest_invoice as string)
    expect([invoice.status, invoice.amount_paid]).toEqual(['paid', 1600])

    const shown = await until('the discount on the billing page', async () => (await overviewOf(token, org)).subscription?.discount)
    expect(shown).toMatchObject({ name: 'Launch', percent_off: 20, duration: 'repeating', promotion_code: p.code })
    const months = (new Date(shown.ends_at!).getTime() - sub.start_date * 1000) / 86_400_000
    expect(months).toBeGreaterThan(88)
    expect(months).toBeLessThan(93)

    const [mirrored] = await sql`select raw -> 'discounts' -> 0 -> 'source' -> 'coupon' ->> 'id' as coupon from public.stripe_subscriptions where id = ${sub.id}`
    expect(mirrored.coupon).toBe(coupon.id)
    const receipt = await until('the receipt', async () => {
      const rows = await sql`select props from billing.email_outbox where to_email = ${email} and email_type = 'receipt'`
      return rows.length ? rows : null
    })
    expect(receipt).toHaveLength(1)
    expect(receipt[0].props.discount).toEqual({ label: 'Launch', amount: 400 })
  })

  it('a first-time-only code is refused to a customer who has paid before', { timeout: 90_000 }, async () => {
    const p = await promo({ restrictions: { first_time_transaction: true } })
    const { token, org, customer } = await organization(sql)
    // A paid invoice of this customer: it is no longer a first-time customer.
    await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id })
    await stripe.invoiceItems.create({ customer: customer.id, amount: 500, currency: 'usd' })
    const inv = await stripe.invoices.create({ customer: customer.id, pending_invoice_items_behavior: 'include' })
    await stripe.invoices.pay(inv.id, { payment_method: (await stripe.paymentMethods.list({ customer: customer.id })).data[0].id })
    const { url, session } = await checkout(token, org, price)
    const page = await submitPage(url, { promotion_code: p.code, card: 'pm_card_visa' })
    expect(page.status).toBe(400)
    expect(page.html).toContain(`This promotion code is only for first-time customers`)
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe('open')
  })
})
