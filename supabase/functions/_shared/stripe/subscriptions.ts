// Stripe subscriptions: every subscription of a customer (status all), with prices and products
// expanded so that one call brings the plan and its limits, and the default payment method so that
// the card on file (brand, last 4, expiry) and the discounts (coupon, end) come without calls of their own,
// and the subscription schedule (a downgrade at period end, billing/scheduled-change.ts) likewise.
import type Stripe from 'stripe'
import { call, retrieveEach, type StripeContext } from './context.ts'

/** What a mirrored subscription has expanded (the plan and its limits, the card on file, its schedule, its discounts with their coupons and codes). */
export const EXPAND = ['items.data.price.product', 'default_payment_method', 'schedule', 'discounts.source.coupon', 'discounts.promotion_code']

/** Every subscription of the customer, all pages (the library pages; each page takes its own token). */
export function fetchSubscriptions(ctx: StripeContext, customerId: string): Promise<Stripe.Subscription[]> {
  return call(`list subscriptions of ${customerId}`, () =>
    ctx.stripe.subscriptions
      .list({ customer: customerId, status: 'all', limit: 100, expand: EXPAND.map((p) => `data.${p}`) })
      .autoPagingToArray({ limit: 10_000 }))
}

/**
 * Subscriptions by id (a deleted customer's: Stripe cancels them when it deletes the customer, and its
 * list calls no longer know it, but each is still retrievable). One that is gone too is left out.
 */
export function fetchSubscriptionsById(ctx: StripeContext, ids: string[]): Promise<Stripe.Subscription[]> {
  return retrieveEach('subscription', ids, (id) => ctx.stripe.subscriptions.retrieve(id, { expand: EXPAND }))
}
