// Stripe products and prices, for events that concern no customer (product.*, price.*).
import type Stripe from 'stripe'
import { call, isMissing, type StripeContext } from './context.ts'

export async function fetchProduct(ctx: StripeContext, id: string): Promise<Stripe.Product | { id: string; deleted: true }> {
  try {
    return await call(`retrieve product ${id}`, () => ctx.stripe.products.retrieve(id))
  } catch (err) {
    if (isMissing(err)) return { id, deleted: true }
    throw err
  }
}

export async function fetchPrice(ctx: StripeContext, id: string): Promise<Stripe.Price | { id: string; deleted: true }> {
  try {
    return await call(`retrieve price ${id}`, () => ctx.stripe.prices.retrieve(id, { expand: ['product'] }))
  } catch (err) {
    if (isMissing(err)) return { id, deleted: true }
    throw err
  }
}
