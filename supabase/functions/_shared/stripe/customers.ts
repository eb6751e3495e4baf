// Stripe customers: fetch the current state (or learn that it is gone), with the default payment
// method for invoices expanded (the card on file when the subscription names none).
import type Stripe from 'stripe'
import { call, isMissing, type StripeContext } from './context.ts'

export type FetchedCustomer = { deleted: false; customer: Stripe.Customer } | { deleted: true; id: string }

export async function fetchCustomer(ctx: StripeContext, id: string): Promise<FetchedCustomer> {
  try {
    const c = await call(`retrieve customer ${id}`, () => ctx.stripe.customers.retrieve(id, { expand: ['invoice_settings.default_payment_method'] }))
    return c.deleted ? { deleted: true, id } : { deleted: false, customer: c as Stripe.Customer }
  } catch (err) {
    // Gone for good: mirror it as deleted instead of retrying forever.
    if (isMissing(err)) return { deleted: true, id }
    throw err
  }
}
