// What the mirror must hold for a customer, read from the emulator's own state (no API call, so the
// request log and chaos are untouched): its subscriptions, its invoices and its organization's fields.
import type postgres from 'postgres'
import { expect } from 'vitest'
import type { Emulator } from '../../dev/stripe-emulator/emulator.ts'
import type { Obj } from '../../dev/stripe-emulator/shape.ts'

const at = (unix: number | null | undefined) => (unix ? new Date(unix * 1000) : null)
const byId = <T extends { id: string }>(rows: T[]) => [...rows].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))

// The organization's subscription: a live one before an ended one, newest first (the apply function's order).
const rank = (status: string) => (['active', 'trialing'].includes(status) ? 0 : ['past_due', 'unpaid', 'paused'].includes(status) ? 1 : status === 'incomplete' ? 2 : 3)
const ORG_STATUS: Record<string, string> = { trialing: 'trialing', active: 'active', past_due: 'past_due', unpaid: 'past_due', paused: 'past_due', canceled: 'cancelled', incomplete_expired: 'cancelled' }

/** A schedule's id, status and phases (price, quantity, start) as compared; a bare id is a mismatch. */
const scheduleOf = (s: Obj | string | null) => typeof s === 'string' ? { unexpanded: s } : s && {
  id: s.id, status: s.status, current: s.current_phase?.start_date ?? null,
  phases: s.phases.map((ph: Obj) => [ph.start_date, ph.items.map((i: Obj) => [typeof i.price === 'string' ? i.price : i.price.id, i.quantity])]),
}

export async function expectMirrorEqualsStripe(sql: postgres.Sql, emu: Emulator, customerId: string, orgId: string): Promise<void> {
  const subs = emu.all('subscription').filter((s) => s.customer === customerId)
  const mirroredSubs = await sql`select id, status, price_id, quantity, current_period_end, cancel_at_period_end, trial_end
    from public.stripe_subscriptions where customer_id = ${customerId}`
  expect(byId(mirroredSubs as never as { id: string }[]), `subscriptions of ${customerId}`).toEqual(byId(subs.map((s) => ({
    id: s.id, status: s.status, price_id: s.items.data[0].price.id, quantity: s.items.data[0].quantity,
    current_period_end: at(s.items.data[0].current_period_end), cancel_at_period_end: s.cancel_at_period_end, trial_end: at(s.trial_end),
  }))))

  // The change a schedule will make (a downgrade at the period's end), as the mirrored raw subscription has it.
  const mirroredSchedules = await sql<{ id: string; schedule: Obj | string | null }[]>`select id, raw -> 'schedule' as schedule
    from public.stripe_subscriptions where customer_id = ${customerId}`
  expect(byId(mirroredSchedules.map((m) => ({ id: m.id, schedule: scheduleOf(m.schedule) }))), `schedules of ${customerId}`)
    .toEqual(byId(subs.map((s) => ({ id: s.id, schedule: scheduleOf(emu.find(s.schedule) ?? null) }))))

  const invoices = emu.all('invoice').filter((i) => i.customer === customerId)
  const mirroredInvoices = await sql`select id, status, amount_due::int, amount_paid::int, amount_remaining::int, subscription_id
    from public.stripe_invoices where customer_id = ${customerId}`
  expect(byId(mirroredInvoices as never as { id: string }[]), `invoices of ${customerId}`).toEqual(byId(invoices.map((i) => ({
    id: i.id, status: i.status, amount_due: i.amount_due, amount_paid: i.amount_paid, amount_remaining: i.amount_remaining,
    subscription_id: i.parent?.subscription_details?.subscription ?? null,
  }))))

  const [org] = await sql`select billing_status, stripe_subscription_id, price_id, plan_name, next_billing_at, trial_ends_at, cancelled_at, last_payment_at
    from public.organizations where id = ${orgId}`
  const paidAt = invoices.map((i) => i.status_transitions?.paid_at).filter(Boolean) as number[]
  expect(org.last_payment_at, `last payment of ${customerId}`).toEqual(paidAt.length ? at(Math.max(...paidAt)) : null)
  if (subs.length === 0) {
    expect(org).toMatchObject({ billing_status: null, stripe_subscription_id: null, price_id: null })
    return
  }
  // Subscriptions created in the same second tie; the organization may follow any of them.
  const best = Math.min(...subs.map((s) => rank(s.status)))
  const newest = Math.max(...subs.filter((s) => rank(s.status) === best).map((s) => s.created))
  const tied = subs.filter((s) => rank(s.status) === best && s.created === newest)
  const current: Obj | undefined = tied.find((s) => s.id === org.stripe_subscription_id)
  expect(current, `organization of ${customerId} follows ${org.stripe_subscription_id}, not one of ${tied.map((s) => s.id)}`).toBeDefined()
  const price = current!.items.data[0].price
  const expected: Record<string, unknown> = {
    price_id: price.id,
    plan_name: emu.find(price.product)?.name,
    next_billing_at: ['active', 'trialing', 'past_due'].includes(current!.status) && !current!.cancel_at_period_end ? at(current!.items.data[0].current_period_end) : null,
    trial_ends_at: at(current!.trial_end),
  }
  // `incomplete` keeps whatever status the organization had; the others map one to one.
  if (ORG_STATUS[current!.status]) expected.billing_status = ORG_STATUS[current!.status]
  if (ORG_STATUS[current!.status] === 'cancelled') expected.cancelled_at = at(current!.ended_at ?? current!.canceled_at)
  expect(org, `organization of ${customerId}`).toMatchObject(expected)
}
