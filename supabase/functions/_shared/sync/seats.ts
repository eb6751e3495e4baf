// Seats follow membership: a group holding `seats.quantity` messages (queued by billing.enqueue_seat_sync
// in the membership change's own transaction) sets the per-seat subscription item's quantity to the seats
// in use, before the group's usual customer sync re-reads Stripe into the mirror. All the messages of a
// burst in one group cost one update with the final count; a count Stripe already has costs none.
import type postgres from 'postgres'
import { call, type StripeContext } from '../stripe/context.ts'
import type { Group } from './groups.ts'
import { activeSchedule, applyScheduleSeats } from './seat-schedule.ts'

export const SEATS_MESSAGE = 'seats.quantity'

interface SeatState {
  change_seq: string
  quantity: number
  subscription_id: string
  proration_behavior: 'always_invoice' | 'create_prorations' | 'none'
}

/** Organizations whose seat count the group must bring to Stripe. */
export function seatOrganizations(g: Group): string[] {
  const ids = g.messages.filter((m) => m.body?.type === SEATS_MESSAGE && m.body.object_id).map((m) => m.body!.object_id!)
  return [...new Set(ids)]
}

async function record(sql: postgres.Sql, org: string, s: SeatState, called: boolean, error: string | null): Promise<void> {
  await sql`select billing.service_role_record_seat_sync(${org}::uuid, ${s.change_seq}::bigint, ${s.quantity}, ${called}, ${error})`
}

/**
 * Brings one organization's seat count to its subscription. The change number and count come from one
 * snapshot, so the idempotency key (organization + change number) always carries the same quantity; a
 * failure is recorded for ops.seat_syncs and rethrown, so the queue retries it with backoff.
 */
export async function applySeatQuantity(sql: postgres.Sql, ctx: StripeContext, org: string): Promise<{ called: boolean }> {
  const [s] = await sql<SeatState[]>`
    select change_seq::text, quantity, subscription_id, proration_behavior from billing.service_role_seat_quantity(${org}::uuid)`
  if (!s) return { called: false } // no longer per-seat, or no subscription: nothing to bill
  let called = false
  try {
    const sub = await call('subscriptions.retrieve', () => ctx.stripe.subscriptions.retrieve(s.subscription_id, { expand: ['schedule'] }))
    const item = sub.items.data.find((i) => i.price.metadata?.per_seat === 'true') ?? (sub.items.data.length === 1 ? sub.items.data[0] : undefined)
    if (!item) throw new Error(`subscription ${s.subscription_id} has no per-seat item`)
    const schedule = activeSchedule(sub)
    if (schedule) {
      // A schedule manages the items: the count goes into its phases (see seat-schedule.ts).
      called = await applyScheduleSeats(sql, ctx, schedule, s.quantity, s.proration_behavior, `seats-${org}-${s.change_seq}-${schedule.id}`)
    } else if (item.quantity !== s.quantity && !['canceled', 'incomplete_expired'].includes(sub.status)) {
      called = true
      await call('subscriptions.update', () =>
        ctx.stripe.subscriptions.update(s.subscription_id, {
          items: [{ id: item.id, quantity: s.quantity }],
          proration_behavior: s.proration_behavior,
        }, { idempotencyKey: `seats-${org}-${s.change_seq}` }))
    }
  } catch (err) {
    await record(sql, org, s, called, (err as Error)?.message ?? String(err))
    console.warn(`stripe-sync: seats of organization ${org} (change ${s.change_seq}, ${s.quantity} seats) failed: ${(err as Error)?.message}`)
    throw err
  }
  await record(sql, org, s, called, null)
  return { called }
}
