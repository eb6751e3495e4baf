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

/**
 * While the queue is flooded (over 256 events a second, sync/queue.ts's FLOOD_TAIL), a customer's
 * events wait until it has been quiet this long...
 *
 * A customer sent more events a second than that cannot be synced once per burst within Stripe's rate
 * limit: 100 customers at ~18 events a second each (the ingest bench's closed loop) took every one of the
 * 100 calls a second a live key has, one group per customer every ~0.5 s, and the sync's CPU (~7 ms of
 * the functions host and ~5 ms of Postgres per group) starved the webhook that acknowledges the flood.
 * With this window and the one below, fewer, larger groups: on that load (`BENCH_PAIRS=2
 * BENCH_PACED_SECONDS=0 npm run bench:ingest`, twice each, alternating, 2026-11-30) the functions host's
 * CPU per acknowledged event fell from 0.47-0.69 ms to 0.26-0.39 ms and the cluster's from 0.68-1.04 ms
 * to 0.39-0.62 ms, and the acks per second against the peer's from 0.82-1.24x to 1.39-1.95x, for up to
 * ~2 s of lag while the flood lasts. With the full bench's 1,000 customers (~1.5 events each a second) few
 * are busy at once and the same A/B showed no change (ratio 1.09-1.71 before, 1.23-2.13 after).
 */
export const FLOOD_SETTLE_MS = 250

/** ...or until one of them has waited this long. */
export const FLOOD_MAX_SETTLE_MS = 2000
