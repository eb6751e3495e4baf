// The coupons of the discounts a sync fetched, put in place of their ids: the billing page and the
// receipt read a discount's coupon from the mirror (billing/discounts.ts), and a customer's embedded
// subscriptions cannot expand `discounts.source.coupon` (Stripe expands at most four levels). Most
// customers have no discount, so this usually costs nothing; each coupon is fetched once per sync.
import type Stripe from 'stripe'
import { call, type StripeContext } from './context.ts'

type DiscountLike = { source?: { coupon?: string | Stripe.Coupon | null } | null }

/** Fetches the coupon of every expanded discount that names it by id, and puts it in place. */
export async function fillCoupons(ctx: StripeContext, holders: { discounts?: unknown[] | null }[]): Promise<void> {
  const fetched = new Map<string, Promise<Stripe.Coupon>>()
  for (const holder of holders) {
    for (const d of holder.discounts ?? []) {
      const source = typeof d === 'object' && d ? (d as DiscountLike).source : null
      const id = typeof source?.coupon === 'string' ? source.coupon : null
      if (!source || !id) continue
      if (!fetched.has(id)) fetched.set(id, call(`retrieve coupon ${id}`, () => ctx.stripe.coupons.retrieve(id)))
      source.coupon = await fetched.get(id)!
    }
  }
}
