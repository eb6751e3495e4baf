// Discounts as the mirror keeps them: the raw subscription and invoice (the sync expands
// `discounts.source.coupon`, so each discount carries its coupon). The one reading of them, for the
// billing page and the receipt.
import type { SubscriptionDiscount } from './api-types.ts'

type Json = Record<string, unknown>
const obj = (v: unknown): Json | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : null)

function couponOf(discount: Json): Json | null {
  return obj(obj(discount.source)?.coupon) ?? obj(discount.coupon)
}

/** A coupon's name for people: its name, else what it takes off. */
function couponLabel(coupon: Json): string {
  if (typeof coupon.name === 'string' && coupon.name) return coupon.name
  return typeof coupon.percent_off === 'number' ? `${coupon.percent_off}% off` : 'Discount'
}

/** The first discount of a mirrored subscription's raw object that is still on it, or null. */
export function subscriptionDiscount(raw: unknown): SubscriptionDiscount | null {
  const discounts = obj(raw)?.discounts
  const first = Array.isArray(discounts) ? discounts.map(obj).find((d) => d && couponOf(d)) : null
  if (!first) return null
  const coupon = couponOf(first)!
  const promo = obj(first.promotion_code)
  return {
    name: couponLabel(coupon),
    percent_off: typeof coupon.percent_off === 'number' ? coupon.percent_off : null,
    amount_off: typeof coupon.amount_off === 'number' ? coupon.amount_off : null,
    currency: typeof coupon.currency === 'string' ? coupon.currency : null,
    duration: coupon.duration === 'once' || coupon.duration === 'repeating' ? coupon.duration : 'forever',
    ends_at: typeof first.end === 'number' ? new Date(first.end * 1000).toISOString() : null,
    promotion_code: typeof promo?.code === 'string' ? promo.code : null,
  }
}

/** An invoice's discount line: what its discounts took off (minor units) and their names; null when none. */
export function invoiceDiscount(raw: unknown): { label: string; amount: number } | null {
  const inv = obj(raw)
  const totals = Array.isArray(inv?.total_discount_amounts) ? inv.total_discount_amounts.map(obj) : []
  const amount = totals.reduce((s, t) => s + (typeof t?.amount === 'number' ? t.amount : 0), 0)
  if (amount <= 0) return null
  const names = (Array.isArray(inv?.discounts) ? inv.discounts : []).map(obj).map((d) => (d ? couponOf(d) : null)).filter((c): c is Json => !!c).map(
    couponLabel,
  )
  return { label: names.length ? names.join(', ') : 'Discount', amount }
}
