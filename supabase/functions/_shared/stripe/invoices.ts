// Stripe invoices: a customer's most recent ones (the mirror keeps older rows it already has).
import type Stripe from 'stripe'
import { call, retrieveEach, type StripeContext } from './context.ts'

const RECENT_INVOICES = 24

export async function fetchRecentInvoices(ctx: StripeContext, customerId: string): Promise<Stripe.Invoice[]> {
  const page = await call(`list invoices of ${customerId}`, () =>
    // `payments` (which PaymentIntent paid it) is only included on request; payment metrics need it. The
    // discounts' coupons name the discount line of a receipt.
    ctx.stripe.invoices.list({ customer: customerId, limit: RECENT_INVOICES, expand: ['data.payments', 'data.discounts.source.coupon'] }))
  return page.data
}

/** Invoices by id (a deleted customer's: its list calls no longer know it). One that is gone is left out. */
export function fetchInvoicesById(ctx: StripeContext, ids: string[]): Promise<Stripe.Invoice[]> {
  return retrieveEach('invoice', ids, (id) => ctx.stripe.invoices.retrieve(id, { expand: ['payments', 'discounts.source.coupon'] }))
}
