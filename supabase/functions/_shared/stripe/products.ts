// Stripe products and prices: for events that concern no customer (product.*, price.*), and the
// products of a customer's subscriptions that the mirror does not have yet.
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

/**
 * Puts each subscription item's product in place of its id, for the mirror (plan names and limits come
 * from products): the ones `known` to the mirror are left as ids (product.* events keep those current),
 * the others are fetched, once each.
 */
export async function fillProducts(ctx: StripeContext, subs: Stripe.Subscription[], known: Set<string>): Promise<void> {
  const fetched = new Map<string, Stripe.Product | { id: string; deleted: true }>()
  for (const item of subs.flatMap((s) => s.items.data)) {
    const id = typeof item.price.product === 'string' ? item.price.product : null
    if (!id || known.has(id)) continue
    if (!fetched.has(id)) fetched.set(id, await fetchProduct(ctx, id))
    const product = fetched.get(id)!
    if (!('deleted' in product && product.deleted)) item.price.product = product as Stripe.Product
  }
}
