// Stripe customers: fetch the current state (or learn that it is gone), with the default payment
// method for invoices expanded (the card on file when the subscription names none) and, on request, its
// live subscriptions in the same call.
import type Stripe from 'stripe'
import { call, isMissing, type StripeContext } from './context.ts'
import { EXPAND as SUBSCRIPTION_EXPAND } from './subscriptions.ts'

export type FetchedCustomer = { deleted: false; customer: Stripe.Customer } | { deleted: true; id: string }

const WITH_SUBSCRIPTIONS = ['subscriptions', ...SUBSCRIPTION_EXPAND.map((p) => `subscriptions.data.${p}`)]

/**
 * The customer; with `withSubscriptions`, its `subscriptions` list expanded (Stripe's rules: the live ones
 * only, newest first, at most ten, `has_more` when the list endpoint has more).
 */
export async function fetchCustomer(ctx: StripeContext, id: string, withSubscriptions = false): Promise<FetchedCustomer> {
  const expand = ['invoice_settings.default_payment_method', ...(withSubscriptions ? WITH_SUBSCRIPTIONS : [])]
  try {
    const c = await call(`retrieve customer ${id}`, () => ctx.stripe.customers.retrieve(id, { expand }))
    return c.deleted ? { deleted: true, id } : { deleted: false, customer: c as Stripe.Customer }
  } catch (err) {
    // Gone for good: mirror it as deleted instead of retrying forever.
    if (isMissing(err)) return { deleted: true, id }
    throw err
  }
}
