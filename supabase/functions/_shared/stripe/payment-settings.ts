// The failed-payment email promises that paying with a new card also updates it for future invoices.
// Stripe keeps that promise only when the subscription has `payment_settings.save_default_payment_method
// = on_subscription` (then the method that pays an invoice becomes the subscription's
// default_payment_method). Checkout cannot set it (its subscription_data has no payment_settings), so
// the sync sets it, once, on each live subscription our checkout created (subscription metadata
// organization_id), and writes the updated subscription to the mirror.
import type Stripe from 'stripe'
import { call, type StripeContext } from './context.ts'

const ENDED = ['canceled', 'incomplete_expired']

/** Whether the subscription came from our checkout and does not yet save the paying method. */
function needsSaveDefault(sub: Stripe.Subscription): boolean {
  return !!sub.metadata?.organization_id && !ENDED.includes(sub.status) &&
    sub.payment_settings?.save_default_payment_method !== 'on_subscription'
}

/** The subscriptions, with `on_subscription` set in Stripe on those that need it (same expansions). */
export async function saveDefaultPaymentMethod(ctx: StripeContext, subs: Stripe.Subscription[], expand: string[]): Promise<Stripe.Subscription[]> {
  const out: Stripe.Subscription[] = []
  for (const sub of subs) {
    if (!needsSaveDefault(sub)) {
      out.push(sub)
      continue
    }
    out.push(
      await call(
        `save default payment method on ${sub.id}`,
        () => ctx.stripe.subscriptions.update(sub.id, { payment_settings: { save_default_payment_method: 'on_subscription' }, expand }),
      ),
    )
    console.log(`sync: subscription ${sub.id} now saves the method that pays an invoice as its default`)
  }
  return out
}
