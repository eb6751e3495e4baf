// Subscription schedules' phases: how a phase is written (Stripe's phase shape), and what happens at
// a phase boundary: when the subscription's period ends on its current phase's end_date, it renews on
// the next phase's items (one customer.subscription.updated, then the new period's invoice), or, after
// the last phase, the schedule completes and the subscription is released or canceled (end_behavior).
import type { Obj } from '../shape.ts'
import type { Emulator } from '../emulator.ts'
import { previousAttributes } from '../resources/common.ts'

export interface PhaseItem { price: Obj; quantity: number; metadata: Record<string, string> }

/** One phase in the schedule object's shape (subscription_schedule_phase_configuration). */
export function phaseOf(items: PhaseItem[], start: number, end: number, currency: string, proration: string): Obj {
  return {
    add_invoice_items: [], application_fee_percent: null, automatic_tax: { disabled_reason: null, enabled: false, liability: null }, billing_cycle_anchor: null,
    billing_thresholds: null, collection_method: null, currency, default_payment_method: null, default_tax_rates: [], description: null, discounts: [],
    end_date: end, invoice_settings: null, metadata: {}, on_behalf_of: null, proration_behavior: proration, start_date: start, transfer_data: null, trial_end: null,
    items: items.map((it) => ({ billing_thresholds: null, discounts: [], metadata: it.metadata, price: it.price.id, quantity: it.quantity, tax_rates: [] })),
  }
}

/** Applies `change` to a schedule and emits `subscription_schedule.<type>` with what changed. */
export function changeSchedule(emu: Emulator, schedule: Obj, type: 'updated' | 'released' | 'canceled' | 'completed', change: (s: Obj) => void): void {
  const before = structuredClone(schedule)
  change(schedule)
  const prev = type === 'updated' ? previousAttributes(before, schedule) : undefined
  if (type !== 'updated' || prev) emu.emit(`subscription_schedule.${type}`, schedule, prev ?? undefined, schedule.test_clock ?? null)
}

/** The subscription's items set to a phase's items (same item ids where the position matches). */
function applyPhaseItems(emu: Emulator, sub: Obj, phase: Obj): void {
  phase.items.forEach((it: Obj, i: number) => {
    const item = sub.items.data[i]
    if (!item) return
    item.price = structuredClone(emu.get('price', it.price, 'price'))
    item.quantity = it.quantity
    item.metadata = it.metadata ?? item.metadata
  })
  sub.items.data = sub.items.data.slice(0, phase.items.length)
}

/**
 * What the schedule does at `at`, the end of the subscription's period: `renew` (false after an
 * end_behavior=cancel completion) and a change to make on the subscription as its new period starts.
 */
export function phaseBoundary(emu: Emulator, sub: Obj, at: number): { renew: boolean; change: (s: Obj) => void } {
  const none = { renew: true, change: () => {} }
  const schedule = emu.find(sub.schedule)
  if (!schedule || schedule.status !== 'active' || !schedule.current_phase || schedule.current_phase.end_date > at) return none
  const next = schedule.phases.find((p: Obj) => p.start_date >= at)
  if (next) {
    changeSchedule(emu, schedule, 'updated', (s) => (s.current_phase = { start_date: next.start_date, end_date: next.end_date }))
    return { renew: true, change: (s) => applyPhaseItems(emu, s, next) }
  }
  changeSchedule(emu, schedule, 'completed', (s) => {
    s.status = 'completed'
    s.completed_at = at
    s.current_phase = null
  })
  if (schedule.end_behavior === 'cancel') return { renew: false, change: () => {} }
  return { renew: true, change: (s) => (s.schedule = null) }
}

/** Emits customer.subscription.updated for a change made outside changeSub (the schedule link). */
export function linkSchedule(emu: Emulator, sub: Obj, scheduleId: string | null): void {
  const before = sub.schedule ?? null
  if (before === scheduleId) return
  sub.schedule = scheduleId
  emu.emit('customer.subscription.updated', sub, { schedule: before }, sub.test_clock ?? null)
}

/** The subscription ended (canceled, by any path): a schedule still managing it is canceled with it. */
export function scheduleEnded(emu: Emulator, sub: Obj): void {
  const schedule = emu.find(sub.schedule)
  if (!schedule || (schedule.status !== 'active' && schedule.status !== 'not_started')) return
  changeSchedule(emu, schedule, 'canceled', (s) => {
    s.status = 'canceled'
    s.canceled_at = emu.now(s.test_clock ?? null)
    s.current_phase = null
  })
}
