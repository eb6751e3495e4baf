// Seats on a subscription that a schedule manages (a downgrade scheduled for the period's end): the
// schedule decides the items of every phase, so the seat count goes into the schedule's phases, the
// current one (billed now, prorated as the catalogue says) and the later ones (billed when they start).
// Changing only the subscription's item would leave the next phase renewing the old count.
import type postgres from 'postgres'
import type Stripe from 'stripe'
import { call, type StripeContext } from '../stripe/context.ts'

const priceOf = (p: string | { id: string }) => (typeof p === 'string' ? p : p.id)

/** The active schedule managing the subscription (retrieved with `schedule` expanded), or null. */
export function activeSchedule(sub: Stripe.Subscription): Stripe.SubscriptionSchedule | null {
  const s = sub.schedule
  return s && typeof s !== 'string' && s.status === 'active' && s.current_phase ? s : null
}

/**
 * Sets `quantity` on the per-seat items of the schedule's current and later phases (other items and
 * past phases as they are). Returns false, calling nothing, when every phase already has that count.
 */
export async function applyScheduleSeats(
  sql: postgres.Sql,
  ctx: StripeContext,
  schedule: Stripe.SubscriptionSchedule,
  quantity: number,
  proration: 'always_invoice' | 'create_prorations' | 'none',
  idempotencyKey: string,
): Promise<boolean> {
  const phases = schedule.phases.filter((ph) => ph.end_date > schedule.current_phase!.start_date)
  const prices = [...new Set(phases.flatMap((ph) => ph.items.map((i) => priceOf(i.price))))]
  const perSeat = new Set(
    (await sql<{ id: string }[]>`select id from unnest(${prices}::text[]) as id where billing.price_is_per_seat(id)`).map((r) => r.id),
  )
  const seats = (i: Stripe.SubscriptionSchedule.Phase.Item) => (perSeat.has(priceOf(i.price)) ? quantity : i.quantity ?? 1)
  if (phases.every((ph) => ph.items.every((i) => seats(i) === (i.quantity ?? 1)))) return false
  await call(`subscriptionSchedules.update ${schedule.id}`, () =>
    ctx.stripe.subscriptionSchedules.update(schedule.id, {
      proration_behavior: proration,
      phases: phases.map((ph) => ({
        start_date: ph.start_date,
        end_date: ph.end_date,
        proration_behavior: ph.proration_behavior,
        items: ph.items.map((i) => ({ price: priceOf(i.price), quantity: seats(i) })),
      })),
    }, { idempotencyKey }))
  return true
}
