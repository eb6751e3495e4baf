// Stripe subscriptions: every subscription of a customer (status all), with prices and products
// expanded so that one call brings the plan and its limits.
import type Stripe from 'stripe'
import { call, type StripeContext } from './context.ts'

export async function fetchSubscriptions(ctx: StripeContext, customerId: string): Promise<Stripe.Subscription[]> {
  const all: Stripe.Subscription[] = []
  let startingAfter: string | undefined
  for (;;) {
    const page = await call(ctx, `list subscriptions of ${customerId}`, () =>
      ctx.stripe.subscriptions.list({
        customer: customerId,
        status: 'all',
        limit: 100,
        expand: ['data.items.data.price.product'],
        ...(startingAfter ? { starting_after: startingAfter } : {}),
      }),
    )
    all.push(...page.data)
    if (!page.has_more || page.data.length === 0) return all
    startingAfter = page.data[page.data.length - 1].id
  }
}
