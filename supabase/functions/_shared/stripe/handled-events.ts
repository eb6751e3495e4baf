// The Stripe event types this product acts on, listed once: the webhook endpoint must subscribe to
// every one (`npm run stripe:setup` creates it with this list, `npm run doctor` checks it), and every
// workflow trigger that is a Stripe type must be here (tests/ops/handled-events.test.ts).
// Other types are still recorded and acknowledged if they arrive (DESIGN rule 6); they just do nothing.

/** Events that change what the mirror holds: the sync fetches that customer, product or price anew. */
const MIRRORED_EVENT_TYPES = [
  'customer.created',
  'customer.updated',
  'customer.deleted',
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'customer.subscription.paused',
  'customer.subscription.resumed',
  'customer.subscription.trial_will_end',
  // A downgrade at period end lives in the subscription's schedule (billing/scheduled-change.ts): a
  // change of its phases made outside the app (Dashboard) comes only as this event.
  'subscription_schedule.updated',
  'invoice.created',
  'invoice.finalized',
  'invoice.updated',
  'invoice.paid',
  'invoice.payment_succeeded',
  'invoice.payment_failed',
  'invoice.voided',
  'invoice.marked_uncollectible',
  // The card on file changed (a new expiry, the bank's automatic update): the billing page shows its expiry.
  'payment_method.updated',
  'payment_method.automatically_updated',
  'product.created',
  'product.updated',
  'product.deleted',
  'price.created',
  'price.updated',
  'price.deleted',
] as const

/** Events only a workflow needs (money collected, net of refunds: payment and refund metrics). */
const WORKFLOW_ONLY_EVENT_TYPES = ['charge.succeeded', 'refund.created', 'refund.updated', 'refund.failed'] as const

/** Every Stripe event type the product handles: the webhook endpoint's `enabled_events`. */
export const HANDLED_EVENT_TYPES: readonly string[] = [...MIRRORED_EVENT_TYPES, ...WORKFLOW_ONLY_EVENT_TYPES]

/** The types of `handled` that an endpoint subscribed to `enabled` would not receive. */
export function missingEventTypes(enabled: readonly string[], handled: readonly string[] = HANDLED_EVENT_TYPES): string[] {
  if (enabled.includes('*')) return []
  return handled.filter((t) => !enabled.includes(t))
}
