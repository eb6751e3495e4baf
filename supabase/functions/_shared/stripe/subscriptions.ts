// Stripe subscriptions: every subscription of a customer (status all), with prices and products
// expanded so that one call brings the plan and its limits.
import type Stripe from 'stripe'
import { call, retrieveEach, type StripeContext } from './context.ts'

/** What a mirrored subscription has expanded (the plan and its limits). */
export const EXPAND = ['items.data.price.product']

export async function fetchSubscriptions(ctx: StripeContext, customerId: string): Promise<Stripe.Subscription[]> {
  const all: Stripe.Subscription[] = []
  let startingAfter: string | undefined
  for (;;) {
    const page = await call(ctx, `list subscriptions of ${customerId}`, () =>
      ctx.stripe.subscriptions.list({
        customer: customerId,
        status: 'all',
        limit: 100,
        expand: EXPAND.map((p) => `data.${p}`),
        ...(startingAfter ? { starting_after: startingAfter } : {}),
      }),
    )
    all.push(...page.data)
    if (!page.has_more || page.data.length === 0) return all
    startingAfter = page.data[page.data.length - 1].id
  }
}

/**
 * Subscriptions by id (a deleted customer's: Stripe cancels them when it deletes the customer, and its
 * list calls no longer know it, but each is still retrievable). One that is gone too is left out.
 */
export function fetchSubscriptionsById(ctx: StripeContext, ids: string[]): Promise<Stripe.Subscription[]> {
  return retrieveEach(ctx, 'subscription', ids, (id) => ctx.stripe.subscriptions.retrieve(id, { expand: EXPAND }))
}
