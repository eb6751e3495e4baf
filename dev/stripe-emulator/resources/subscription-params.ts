// Subscription parameters shared by create and update (subscription-create.ts, subscription-update.ts):
// a recurring price, a new item, save_default_payment_method, discounts[] and the trial's end.
import type Stripe from 'stripe'
import { shape, type Obj } from '../shape.ts'
import type { Emulator } from '../emulator.ts'
import { invalid, required } from '../errors.ts'
import { int } from '../list.ts'
import { oneOf } from './common.ts'
import { resolveDiscount, type DiscountInput } from '../billing/discounts.ts'

export function recurringPrice(emu: Emulator, id: unknown, param: string): Obj {
  if (typeof id !== 'string' || !id) throw required(param)
  const price = emu.get('price', id, 'price', param)
  if (!price.recurring) throw invalid(`The price specified is set to \`type=one_time\` but this field only accepts prices with \`type=recurring\`.`, param)
  if (!price.active) throw invalid(`The price specified is inactive. This field only accepts active prices.`, param)
  return price
}

export function buildItem(emu: Emulator, subId: string, price: Obj, quantity: number, created: number, metadata: Record<string, string>): Obj {
  return shape('subscription_item', {
    id: emu.newId('si', 14), object: 'subscription_item', created, metadata, price: structuredClone(price) as Stripe.Price, quantity,
    subscription: subId, tax_rates: [], discounts: [], billing_thresholds: null, current_period_start: created, current_period_end: created,
  } satisfies Partial<Stripe.SubscriptionItem>)
}

const SAVE_DEFAULT = ['off', 'on_subscription'] as const

/** `payment_settings[save_default_payment_method]`: whether a successful payment's method becomes the default. */
export function saveDefault(p: Record<string, any>): 'off' | 'on_subscription' | undefined {
  return oneOf(p.payment_settings?.save_default_payment_method, SAVE_DEFAULT, 'payment_settings[save_default_payment_method]')
}

/** `discounts[]` resolved and checked before anything changes ('' removes them all). */
export function discountsParam(emu: Emulator, p: Record<string, any>, currency: string, customerId: string) {
  if (p.discounts === undefined) return undefined
  if (p.discounts === '') return []
  if (!Array.isArray(p.discounts)) throw invalid('Invalid array', 'discounts')
  return p.discounts.map((d: DiscountInput, i: number) => resolveDiscount(emu, d, `discounts[${i}]`, currency, customerId))
}

export function trialEndFrom(p: Record<string, any>, now: number): number | null {
  if (p.trial_end !== undefined && p.trial_end !== 'now') {
    const t = int(p.trial_end, 'trial_end')!
    if (t <= now) throw invalid('Invalid timestamp: must be an integer Unix timestamp in the future.', 'trial_end')
    return t
  }
  const days = int(p.trial_period_days, 'trial_period_days')
  if (days !== undefined && (days < 0 || days > 730)) throw invalid('trial_period_days must be between 0 and 730', 'trial_period_days')
  return days ? now + days * 86_400 : null
}
