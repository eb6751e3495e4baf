// A downgrade at period end is a Stripe subscription schedule of two phases: the current plan to the
// period's end, then the new one. The mirror knows of it without a call of its own: the sync lists
// subscriptions with `schedule` expanded (stripe/subscriptions.ts EXPAND), so the mirrored raw
// subscription carries the schedule and its phases. This reads the pending change from that.
import type { Plan, ScheduledChange } from './api-types.ts'

interface RawPhase {
  start_date: number
  end_date: number | null
  items: { price: string | { id: string }; quantity?: number }[]
}
interface RawSchedule {
  id: string
  status: string
  current_phase: { start_date: number; end_date: number } | null
  phases: RawPhase[]
}

const priceOf = (p: string | { id: string }) => (typeof p === 'string' ? p : p.id)

/** The schedule's id, when the subscription is managed by one (expanded or not). */
export function scheduleIdOf(raw: unknown): string | null {
  const s = (raw as { schedule?: string | RawSchedule | null } | null)?.schedule
  return typeof s === 'string' ? s : s?.id ?? null
}

/**
 * The change the subscription's schedule will make at the end of the current phase (the next phase's
 * plan and quantity, and when), or null when there is no active schedule or the next phase changes
 * neither. `plans` names the price (a price no longer offered is shown by its id).
 */
export function scheduledChange(raw: unknown, plans: Plan[]): ScheduledChange | null {
  const sub = raw as { schedule?: string | RawSchedule | null; items?: { data: { price: { id: string }; quantity?: number }[] } } | null
  const schedule = sub?.schedule
  if (!schedule || typeof schedule === 'string' || schedule.status !== 'active' || !schedule.current_phase) return null
  const next = schedule.phases.find((p) => p.start_date >= schedule.current_phase!.end_date)
  const item = next?.items[0]
  const current = sub?.items?.data[0]
  if (!next || !item || !current) return null
  const priceId = priceOf(item.price)
  const quantity = item.quantity ?? 1
  if (priceId === current.price.id && quantity === (current.quantity ?? 1)) return null
  const plan = plans.find((p) => p.price_id === priceId)
  return {
    schedule_id: schedule.id,
    price_id: priceId,
    product_name: plan?.product_name ?? priceId,
    unit_amount: plan?.unit_amount ?? null,
    quantity,
    at: new Date(next.start_date * 1000).toISOString(),
  }
}
