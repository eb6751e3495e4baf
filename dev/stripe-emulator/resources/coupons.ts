// Coupons and promotion codes, as Stripe's docs ("Coupons and promotion codes"; API reference "The
// Coupon object", "The Promotion Code object") describe: a coupon is percent_off or amount_off (with a
// currency), once / repeating (duration_in_months) / forever, valid until redeem_by or max_redemptions;
// a promotion code is a customer-facing code for a coupon, active until expires_at or max_redemptions.
import type Stripe from 'stripe'
import { shape, type Obj } from '../shape.ts'
import type { Emulator } from '../emulator.ts'
import { StripeApiError, invalid, required } from '../errors.ts'
import { bool, expand, expandPaths, int, page } from '../list.ts'
import { mergeMetadata, oneOf, route, str, update, type Route } from './common.ts'

const DURATIONS = ['once', 'repeating', 'forever'] as const

function createCoupon(emu: Emulator, p: Record<string, any>): Obj {
  const percent = p.percent_off === undefined || p.percent_off === '' ? undefined : Number(p.percent_off)
  const amountOff = int(p.amount_off, 'amount_off')
  if ((percent === undefined) === (amountOff === undefined)) throw invalid('You must pass exactly one of percent_off or amount_off.', 'percent_off')
  if (percent !== undefined && !(percent > 0 && percent <= 100)) throw invalid('Invalid percent_off: must be greater than 0 and at most 100.', 'percent_off')
  if (amountOff !== undefined && amountOff < 1) throw invalid('Invalid positive integer', 'amount_off', 'parameter_invalid_integer')
  const currency = str(p.currency, 'currency')?.toLowerCase()
  if (amountOff !== undefined && !currency) throw required('currency')
  const duration = oneOf(p.duration, DURATIONS, 'duration') ?? 'once'
  const months = int(p.duration_in_months, 'duration_in_months')
  if (duration === 'repeating' && !months) throw required('duration_in_months')
  const id = str(p.id, 'id') ?? emu.newId('', 8).slice(1)
  if (emu.find(id)) throw new StripeApiError(400, 'invalid_request_error', 'Coupon already exists.', { code: 'resource_already_exists', param: 'id' })
  const coupon = shape('coupon', {
    id, object: 'coupon', amount_off: amountOff ?? null, currency: amountOff !== undefined ? currency! : null, created: emu.now(), duration,
    duration_in_months: duration === 'repeating' ? months! : null, max_redemptions: int(p.max_redemptions, 'max_redemptions') ?? null,
    metadata: mergeMetadata({}, p.metadata), name: str(p.name, 'name', 40) ?? null, percent_off: percent ?? null,
    redeem_by: int(p.redeem_by, 'redeem_by') ?? null, times_redeemed: 0, valid: true,
  } satisfies Partial<Stripe.Coupon>)
  emu.put('coupon', coupon)
  emu.emit('coupon.created', coupon)
  return coupon
}

/** A coupon is valid until redeem_by passes or it has been redeemed max_redemptions times. */
export function refreshValidity(emu: Emulator, coupon: Obj): void {
  coupon.valid = !(coupon.redeem_by !== null && emu.now() > coupon.redeem_by) && !(coupon.max_redemptions !== null && coupon.times_redeemed >= coupon.max_redemptions)
}

function createPromotionCode(emu: Emulator, p: Record<string, any>): Obj {
  if (p.promotion?.type !== 'coupon') throw required('promotion[type]')
  if (!p.promotion.coupon) throw required('promotion[coupon]')
  const coupon = emu.get('coupon', String(p.promotion.coupon), 'coupon', 'promotion[coupon]')
  const code = str(p.code, 'code', 500) ?? emu.newId('', 8).slice(1).toUpperCase()
  if (!/^[a-zA-Z0-9_-]+$/.test(code)) throw invalid('Promotion codes may only contain letters, digits, dashes and underscores.', 'code')
  if (emu.all('promotion_code').some((pc) => pc.active && pc.code.toLowerCase() === code.toLowerCase())) {
    throw new StripeApiError(400, 'invalid_request_error', `An active promotion code with \`code: ${code}\` already exists.`, { code: 'resource_already_exists', param: 'code' })
  }
  const customer = p.customer ? emu.get('customer', String(p.customer), 'customer', 'customer').id : null
  const promo = shape('promotion_code', {
    id: emu.newId('promo'), object: 'promotion_code', active: bool(p.active, 'active') ?? true, code, created: emu.now(), customer,
    expires_at: int(p.expires_at, 'expires_at') ?? null, max_redemptions: int(p.max_redemptions, 'max_redemptions') ?? null,
    metadata: mergeMetadata({}, p.metadata), times_redeemed: 0,
    restrictions: { first_time_transaction: bool(p.restrictions?.first_time_transaction, 'restrictions[first_time_transaction]') ?? false, minimum_amount: null, minimum_amount_currency: null },
  } satisfies Partial<Stripe.PromotionCode>)
  promo.promotion = { type: 'coupon', coupon: coupon.id }
  emu.put('promotion_code', promo)
  emu.emit('promotion_code.created', promo)
  return promo
}

/** The promotion code a customer typed (codes are case-insensitive), if it exists. */
export function promotionCodeByCode(emu: Emulator, code: string): Obj | undefined {
  const all = emu.all('promotion_code').filter((pc) => pc.code.toLowerCase() === code.trim().toLowerCase())
  return all.find((pc) => pc.active) ?? all.at(-1)
}

export const couponRoutes: Route[] = [
  route('POST', '/v1/coupons', (emu, p) => expand(emu, createCoupon(emu, p), expandPaths(p))),
  route('GET', '/v1/coupons/:id', (emu, p, [id]) => expand(emu, emu.get('coupon', id, 'coupon', 'coupon'), expandPaths(p))),
  route('POST', '/v1/coupons/:id', (emu, p, [id]) => {
    const coupon = emu.get('coupon', id, 'coupon', 'coupon')
    return update(emu, coupon, (c) => {
      c.metadata = mergeMetadata(c.metadata, p.metadata)
      if (p.name !== undefined) c.name = p.name || null
    }, 'coupon.updated')
  }),
  route('DELETE', '/v1/coupons/:id', (emu, _p, [id]) => {
    const coupon = emu.get('coupon', id, 'coupon', 'coupon')
    emu.remove('coupon', id)
    emu.emit('coupon.deleted', coupon)
    return { id, object: 'coupon', deleted: true }
  }),
  route('GET', '/v1/coupons', (emu, p) => page(emu, '/v1/coupons', emu.all('coupon'), p)),
  route('POST', '/v1/promotion_codes', (emu, p) => expand(emu, createPromotionCode(emu, p), expandPaths(p))),
  route('GET', '/v1/promotion_codes/:id', (emu, p, [id]) => expand(emu, emu.get('promotion_code', id, 'promotion code', 'promotion_code'), expandPaths(p))),
  route('POST', '/v1/promotion_codes/:id', (emu, p, [id]) => {
    const promo = emu.get('promotion_code', id, 'promotion code', 'promotion_code')
    const active = bool(p.active, 'active')
    return update(emu, promo, (pc) => {
      pc.metadata = mergeMetadata(pc.metadata, p.metadata)
      if (active !== undefined) pc.active = active
    }, 'promotion_code.updated')
  }),
  route('GET', '/v1/promotion_codes', (emu, p) => page(emu, '/v1/promotion_codes', emu.all('promotion_code').filter((pc) =>
    (!p.code || pc.code.toLowerCase() === String(p.code).toLowerCase()) && (p.active === undefined || String(pc.active) === String(p.active)) &&
    (!p.coupon || pc.promotion.coupon === p.coupon) && (!p.customer || pc.customer === p.customer)), p)),
]
