// Discounts: a coupon (directly or through a promotion code) redeemed onto a subscription or a
// Checkout Session, the amounts it takes off an invoice, and when it ends. Stripe's docs ("Coupons and
// promotion codes"; API reference "The Discount object", events customer.discount.created / updated /
// deleted): `once` discounts one invoice, `repeating` every invoice for duration_in_months, `forever`
// all of them; each invoice lists its discounts and total_discount_amounts, each line its
// discount_amounts, and `total` / `amount_due` are net of them.
import { shape, type Obj } from '../shape.ts'
import type { Emulator } from '../emulator.ts'
import { StripeApiError, invalid } from '../errors.ts'
import { refreshValidity } from '../resources/coupons.ts'
import { addInterval } from './periods.ts'

export interface DiscountInput { coupon?: string; promotion_code?: string }

/** The coupon (and promotion code) a `discounts[i]` parameter names, checked as Stripe checks them. */
export function resolveDiscount(emu: Emulator, d: DiscountInput, param: string, currency: string, customerId: string | null): { coupon: Obj; promo: Obj | null } {
  if (!d?.coupon && !d?.promotion_code) throw invalid('You must pass a coupon or a promotion_code.', param)
  let promo: Obj | null = null
  let couponId = d.coupon
  if (d.promotion_code) {
    promo = emu.get('promotion_code', String(d.promotion_code), 'promotion code', `${param}[promotion_code]`)
    if (!promo.active) throw invalid(`This promotion code is not active: ${promo.code}.`, `${param}[promotion_code]`)
    if (promo.expires_at !== null && emu.now() > promo.expires_at) {
      throw new StripeApiError(400, 'invalid_request_error', `This promotion code has expired: ${promo.code}.`, { code: 'coupon_expired', param: `${param}[promotion_code]` })
    }
    if (promo.max_redemptions !== null && promo.times_redeemed >= promo.max_redemptions) {
      throw new StripeApiError(400, 'invalid_request_error', `This promotion code has been used up (its maximum redemptions were reached): ${promo.code}.`, { code: 'coupon_expired', param: `${param}[promotion_code]` })
    }
    if (promo.customer && promo.customer !== customerId) throw invalid(`This promotion code cannot be redeemed by this customer: ${promo.code}.`, `${param}[promotion_code]`)
    if (promo.restrictions?.first_time_transaction && customerId && hasTransactions(emu, customerId)) {
      throw invalid(`This promotion code is only for first-time customers and cannot be redeemed by a customer with prior payments: ${promo.code}.`, `${param}[promotion_code]`)
    }
    couponId = promo.promotion.coupon
  }
  const coupon = emu.get('coupon', String(couponId), 'coupon', `${param}[coupon]`)
  refreshValidity(emu, coupon)
  if (!coupon.valid) throw new StripeApiError(400, 'invalid_request_error', `Coupon expired: ${coupon.id}`, { code: 'coupon_expired', param: `${param}[coupon]` })
  if (coupon.amount_off !== null && coupon.currency !== currency) throw invalid(`The coupon's currency (${coupon.currency}) must match the currency (${currency}).`, `${param}[coupon]`)
  return { coupon, promo }
}

/** Stripe's first_time_transaction: the customer has a successful payment or a paid invoice already. */
function hasTransactions(emu: Emulator, customerId: string): boolean {
  return emu.ofCustomer('invoice', customerId).some((i) => i.status === 'paid' && i.amount_paid > 0) ||
    emu.all('charge').some((c) => c.customer === customerId && c.status === 'succeeded')
}

/** Creates the Discount (counting one redemption of its coupon and promotion code). */
export function redeem(emu: Emulator, found: { coupon: Obj; promo: Obj | null }, on: { customer: string | null; subscription?: string | null; checkoutSession?: string | null }, start: number): Obj {
  const { coupon, promo } = found
  const discount = shape('discount', {
    id: emu.newId('di'), object: 'discount', checkout_session: on.checkoutSession ?? null, customer: on.customer, start,
    end: coupon.duration === 'repeating' ? addInterval(start, 'month', coupon.duration_in_months) : null,
    promotion_code: promo?.id ?? null, subscription: on.subscription ?? null,
  })
  discount.source = { type: 'coupon', coupon: coupon.id }
  coupon.times_redeemed += 1
  refreshValidity(emu, coupon)
  if (promo) promo.times_redeemed += 1
  return emu.put('discount', discount)
}

/** Whether a discount still takes money off an invoice made at `at`. */
export function applies(emu: Emulator, discount: Obj, at: number): boolean {
  const coupon = emu.find(discount.source.coupon)
  if (!coupon) return false
  if (coupon.duration === 'once') return !emu.metaOf(discount.id).used
  if (coupon.duration === 'repeating') return at < discount.end
  return true
}

/** Takes the discounts off an invoice's lines and totals (amounts in the invoice's currency). */
export function discountInvoice(emu: Emulator, invoice: Obj, discounts: Obj[], useUp = true): void {
  const lines: Obj[] = invoice.lines.data
  const left = new Map(lines.map((l) => [l.id, Math.max(0, l.amount)]))
  const totals: Obj[] = []
  for (const d of discounts) {
    const coupon = emu.find(d.source.coupon)!
    const base = [...left.values()].reduce((s, a) => s + a, 0)
    let off = coupon.percent_off !== null ? 0 : Math.min(coupon.amount_off, base)
    let taken = 0
    lines.forEach((l, i) => {
      const rest = left.get(l.id)!
      const share = coupon.percent_off !== null ? Math.round((rest * coupon.percent_off) / 100)
        : i === lines.length - 1 ? off - taken : base ? Math.round((off * rest) / base) : 0
      const amount = Math.min(rest, share)
      taken += amount
      left.set(l.id, rest - amount)
      l.discount_amounts = [...(l.discount_amounts ?? []), { amount, discount: d.id }]
      l.discounts = [...(l.discounts ?? []), d.id]
    })
    off = taken
    totals.push({ amount: off, discount: d.id })
    if (useUp) emu.metaOf(d.id).used = true
  }
  const discounted = totals.reduce((s, t) => s + t.amount, 0)
  invoice.discounts = discounts.map((d) => d.id)
  invoice.total_discount_amounts = totals
  invoice.total = invoice.subtotal - discounted
  invoice.total_excluding_tax = invoice.total
  invoice.amount_due = Math.max(0, invoice.total)
  invoice.amount_remaining = invoice.amount_due
}

/** The subscription's discounts that apply to an invoice made at `at`; ended ones are removed first. */
export function subscriptionDiscounts(emu: Emulator, sub: Obj, at: number): Obj[] {
  const all = (sub.discounts as string[]).map((id) => emu.find(id)).filter(Boolean) as Obj[]
  const ended = all.filter((d) => !applies(emu, d, at))
  if (ended.length) {
    const before = [...sub.discounts]
    sub.discounts = sub.discounts.filter((id: string) => !ended.some((d) => d.id === id))
    for (const d of ended) emu.emit('customer.discount.deleted', d, undefined, sub.test_clock ?? null)
    emu.emit('customer.subscription.updated', sub, { discounts: before }, sub.test_clock ?? null)
  }
  return all.filter((d) => !ended.includes(d))
}
