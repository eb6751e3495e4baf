// Stripe subscriptions, with the default payment method expanded so that the card on file (brand, last
// 4, expiry) comes without a call of its own, the subscription schedule (a downgrade at period end,
// billing/scheduled-change.ts) and the discounts likewise, and the latest invoice (with its payments and
// discounts) so that an event about that invoice costs none either. Products and coupons are not expanded
// here: Stripe expands at most four levels, and `subscriptions.data.items.data.price.product` is six (see
// products.ts fillProducts and coupons.ts fillCoupons).
import type Stripe from 'stripe'
import { call, retrieveEach, type StripeContext } from './context.ts'

/** What a fetched subscription has expanded: at most three levels, so that a customer can embed it. */
export const EXPAND = [
  'default_payment_method',
  'schedule',
  'discounts',
  'discounts.promotion_code',
  'latest_invoice',
  'latest_invoice.payments',
  'latest_invoice.discounts',
]

/** Every subscription of the customer, canceled ones too, all pages (a repair: ops.resync_customer). */
export function fetchAllSubscriptions(ctx: StripeContext, customerId: string): Promise<Stripe.Subscription[]> {
  return call(`list subscriptions of ${customerId}`, () =>
    ctx.stripe.subscriptions
      .list({ customer: customerId, status: 'all', limit: 100, expand: EXPAND.map((p) => `data.${p}`) })
      .autoPagingToArray({ limit: 10_000 }))
}

/**
 * The customer's live subscriptions after `afterId`: the rest of the list a customer embeds (which holds
 * ten and excludes canceled ones, as the list endpoint does without `status`), all pages.
 */
export function fetchLiveSubscriptionsAfter(ctx: StripeContext, customerId: string, afterId: string): Promise<Stripe.Subscription[]> {
  return call(`list subscriptions of ${customerId} after ${afterId}`, () =>
    ctx.stripe.subscriptions
      .list({ customer: customerId, starting_after: afterId, limit: 100, expand: EXPAND.map((p) => `data.${p}`) })
      .autoPagingToArray({ limit: 10_000 }))
}

/**
 * Subscriptions by id: ended ones an event names (the customer's list leaves them out), and a deleted
 * customer's (Stripe cancels them when it deletes the customer, and its list calls no longer know it,
 * but each is still retrievable). One that is gone too is left out.
 */
export function fetchSubscriptionsById(ctx: StripeContext, ids: string[]): Promise<Stripe.Subscription[]> {
  return retrieveEach('subscription', ids, (id) => ctx.stripe.subscriptions.retrieve(id, { expand: EXPAND }))
}
