// The settle window, shared by the sync's read (sync/queue.ts, sync/worker.ts) and the webhook's kick
// (webhook/kick.ts): one definition of how long a busy customer's events wait to go as one group.

/**
 * Stripe sends events in bursts: a checkout gives ~8 (customer, payment method, subscription, invoice,
 * payment intent, charge...) within a second or two, a renewal 4-6. A read that cuts a burst makes two or
 * three groups of it, each one Stripe call and one transaction for the same state: the bench's lag load
 * (bursts of 5 events 20 ms apart, 50 events/s) gave 2.2 events per group. So the sync leaves a customer's
 * messages in the queue until the customer has been quiet for SETTLE_MS (sync/queue.ts's read), and every
 * kick waits as long: the first event of a burst would otherwise start a drain that finds its customer
 * busy, a read for nothing. 60 ms joins events sent close together (that load: one group per burst, 405
 * groups and Stripe calls per 1,000 events down to 200) for ~50 ms more lag at p50 (~75 to ~125 ms); a
 * burst spread over seconds still makes a few groups, fewer than before.
 */
export const SETTLE_MS = 60

/**
 * A busy customer's messages wait in the queue until it has been quiet for SETTLE_MS (above), so a burst
 * becomes one group; this bounds the wait of a customer that never goes quiet.
 */
export const MAX_SETTLE_MS = 500
