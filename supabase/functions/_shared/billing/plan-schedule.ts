// A downgrade at the period's end, as Stripe does it: a subscription schedule made from the
// subscription (its current phase: the plan as it is, to the period's end), then a second phase on
// the new price. Undo releases the schedule: the subscription carries on as it is, unmanaged.
import type Stripe from 'stripe'
import { call, type StripeContext } from '../stripe/context.ts'
import { HttpError } from '../errors.ts'
import type { BillingDeps } from './actions.ts'
import type { Caller } from './caller.ts'
import { changeKey, type LiveSubscription, liveSubscription, syncCustomer } from './cancel-resume.ts'
import { scheduleIdOf } from './scheduled-change.ts'

const priceOf = (p: string | { id: string }) => (typeof p === 'string' ? p : p.id)

export async function scheduleDowngrade(ctx: StripeContext, sub: LiveSubscription, priceId: string, quantity: number): Promise<void> {
  const schedule = await call(
    `schedule a change of ${sub.id}`,
    () => ctx.stripe.subscriptionSchedules.create({ from_subscription: sub.id }, { idempotencyKey: changeKey(`schedule-${priceId}-x${quantity}`, sub) }),
  )
  const [current] = schedule.phases
  try {
    await call(`schedule ${sub.id} to change to ${priceId}`, () =>
      ctx.stripe.subscriptionSchedules.update(schedule.id, {
        end_behavior: 'release',
        phases: [
          {
            start_date: current.start_date,
            end_date: current.end_date,
            items: current.items.map((i) => ({ price: priceOf(i.price), quantity: i.quantity ?? 1 })),
          },
          { start_date: current.end_date, items: [{ price: priceId, quantity }], proration_behavior: 'none' },
        ],
      }, { idempotencyKey: changeKey(`phases-${priceId}-x${quantity}`, sub) }))
  } catch (err) {
    // No half-made change: a schedule without the new phase changes nothing but would block the next try.
    await release(ctx, schedule.id).catch((e) => console.error(`billing: releasing ${schedule.id} of ${sub.id} after a failed update: ${e}`))
    throw err
  }
}

const release = (ctx: StripeContext, id: string): Promise<Stripe.SubscriptionSchedule> =>
  call(`release schedule ${id}`, () => ctx.stripe.subscriptionSchedules.release(id))

/** Undo a scheduled change: the schedule is released and the subscription stays on its plan. */
export async function undoScheduledChange(deps: BillingDeps, caller: Caller, orgId: string): Promise<void> {
  const sub = await liveSubscription(deps, caller, orgId)
  const [row] = await deps.sql<{ raw: unknown }[]>`select raw from public.stripe_subscriptions where id = ${sub.id}`
  const scheduleId = scheduleIdOf(row?.raw)
  if (!scheduleId) throw new HttpError(409, 'nothing_scheduled', 'No plan change is scheduled for this subscription; there is nothing to undo.')
  await release(deps.stripe(), scheduleId)
  console.log(`billing: organization ${orgId} undoes the scheduled change of ${sub.id} (released ${scheduleId})`)
  await syncCustomer(deps, sub.customer_id)
}
