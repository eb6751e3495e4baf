// Subscription schedules: create from an existing subscription (`from_subscription`), retrieve, list,
// update the phases (the current phase keeps its start; later phases follow on without gaps), release
// (the subscription carries on, unmanaged) and cancel (the subscription ends now). Phase boundaries
// are run by the scheduler (../billing/schedule-phases.ts). A schedule that creates its own
// subscription (`customer` + `phases`) is not emulated: it answers 400 saying so.
import type Stripe from 'stripe'
import { shape, type Obj } from '../shape.ts'
import type { Emulator } from '../emulator.ts'
import { invalid, required } from '../errors.ts'
import { bool, expand, expandPaths, int, page } from '../list.ts'
import { mergeMetadata, oneOf, route, type Route } from './common.ts'
import { cancelNow, changeSub, LIVE } from '../billing/lifecycle.ts'
import { addInterval, type Interval } from '../billing/periods.ts'
import { changeSchedule, linkSchedule, phaseOf, type PhaseItem, scheduleEnded } from '../billing/schedule-phases.ts'
import { prorate } from '../billing/proration.ts'

const PRORATION = ['always_invoice', 'create_prorations', 'none'] as const

function fromSubscription(emu: Emulator, p: Record<string, any>): Obj {
  for (const k of ['customer', 'phases', 'start_date', 'end_behavior', 'default_settings']) {
    if (p[k] !== undefined) throw invalid(`You cannot set \`${k}\` if \`from_subscription\` is set.`, k)
  }
  const sub = emu.get('subscription', String(p.from_subscription), 'subscription', 'from_subscription')
  if (!LIVE.includes(sub.status)) throw invalid(`You cannot create a subscription schedule from a subscription with status \`${sub.status}\`.`, 'from_subscription')
  if (sub.schedule) throw invalid(`You cannot migrate a subscription that is already attached to a schedule: \`${sub.schedule}\`.`, 'from_subscription')
  const clock = sub.test_clock ?? null
  const start = sub.items.data[0].current_period_start
  const end = sub.items.data[0].current_period_end
  const items: PhaseItem[] = sub.items.data.map((it: Obj) => ({ price: it.price, quantity: it.quantity ?? 1, metadata: it.metadata ?? {} }))
  const schedule = shape('subscription_schedule', {
    id: emu.newId('sub_sched'), object: 'subscription_schedule', created: emu.now(clock), customer: sub.customer, status: 'active',
    subscription: sub.id, test_clock: clock, end_behavior: 'release', metadata: mergeMetadata({}, p.metadata),
    canceled_at: null, completed_at: null, released_at: null, released_subscription: null,
    current_phase: { start_date: start, end_date: end },
    phases: [phaseOf(items, start, end, sub.currency, 'create_prorations')] as Stripe.SubscriptionSchedule.Phase[],
    billing_mode: structuredClone(sub.billing_mode ?? { type: 'classic', flexible: null }),
    default_settings: {
      application_fee_percent: null, automatic_tax: { disabled_reason: null, enabled: false, liability: null }, billing_cycle_anchor: 'automatic', billing_thresholds: null,
      collection_method: 'charge_automatically', default_payment_method: null, description: null, invoice_settings: { account_tax_ids: null, custom_fields: null, days_until_due: null, description: null, footer: null, issuer: { type: 'self' } },
      on_behalf_of: null, transfer_data: null,
    },
  } satisfies Partial<Stripe.SubscriptionSchedule>)
  emu.put('subscription_schedule', schedule)
  emu.emit('subscription_schedule.created', schedule, undefined, clock)
  linkSchedule(emu, sub, schedule.id)
  return schedule
}

function timestamp(value: unknown, param: string, now: number): number | undefined {
  return value === 'now' ? now : int(value, param)
}

/** `phases[]` checked against the schedule: prices recurring, one currency and interval, no gaps. */
function phasesParam(emu: Emulator, schedule: Obj, sub: Obj, raw: unknown, proration: string): Obj[] {
  if (!Array.isArray(raw) || raw.length === 0) throw invalid('Invalid array', 'phases')
  const now = emu.now(schedule.test_clock ?? null)
  const current = schedule.current_phase
  let cursor: number | undefined
  return raw.map((ph: Obj, i: number) => {
    const items: PhaseItem[] = (Array.isArray(ph.items) ? ph.items : []).map((it: Obj, j: number) => {
      const param = `phases[${i}][items][${j}][price]`
      if (!it.price) throw required(param)
      const price = emu.get('price', String(it.price), 'price', param)
      if (!price.recurring) throw invalid('The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`.', param)
      if (price.currency !== sub.currency || price.recurring.interval !== sub.items.data[0].price.recurring.interval) {
        throw invalid('All prices on a subscription must have the same currency and billing interval.', param)
      }
      const quantity = int(it.quantity, `phases[${i}][items][${j}][quantity]`) ?? 1
      if (quantity < 0) throw invalid('Quantity must be a positive integer', `phases[${i}][items][${j}][quantity]`)
      return { price, quantity, metadata: mergeMetadata({}, it.metadata) }
    })
    if (items.length === 0) throw required(`phases[${i}][items]`)
    const start = timestamp(ph.start_date, `phases[${i}][start_date]`, now) ?? cursor ?? current?.start_date ?? now
    if (i === 0 && current && start !== current.start_date) throw invalid('You cannot modify the start date of the current phase.', 'phases[0][start_date]')
    if (cursor !== undefined && start !== cursor) throw invalid(`The start_date of phase ${i} must be the end_date of the phase before it.`, `phases[${i}][start_date]`)
    const interval = items[0].price.recurring
    const end = timestamp(ph.end_date, `phases[${i}][end_date]`, now) ?? addInterval(start, interval.interval as Interval, interval.interval_count)
    if (end <= start) throw invalid('The end_date of a phase must be after its start_date.', `phases[${i}][end_date]`)
    if (i === 0 && current && end < now) throw invalid('The current phase cannot end in the past.', 'phases[0][end_date]')
    cursor = end
    return phaseOf(items, start, end, sub.currency, oneOf(ph.proration_behavior, PRORATION, `phases[${i}][proration_behavior]`) ?? proration)
  })
}

function updateSchedule(emu: Emulator, id: string, p: Record<string, any>): Obj {
  const schedule = emu.get('subscription_schedule', id, 'subscription schedule', 'schedule')
  if (schedule.status !== 'active' && schedule.status !== 'not_started') {
    throw invalid(`You cannot update a subscription schedule that is currently in the \`${schedule.status}\` status.`, 'schedule')
  }
  const sub = emu.get('subscription', schedule.subscription, 'subscription')
  const proration = oneOf(p.proration_behavior, PRORATION, 'proration_behavior') ?? 'create_prorations'
  const phases = p.phases === undefined ? undefined : phasesParam(emu, schedule, sub, p.phases, proration)
  const endBehavior = oneOf(p.end_behavior, ['cancel', 'none', 'release', 'renew'] as const, 'end_behavior')
  changeSchedule(emu, schedule, 'updated', (s) => {
    if (phases) {
      s.phases = phases
      s.current_phase = { start_date: phases[0].start_date, end_date: phases[0].end_date }
    }
    if (endBehavior) s.end_behavior = endBehavior
    s.metadata = mergeMetadata(s.metadata, p.metadata)
  })
  // A change to the current phase's items applies to the subscription now, prorated as asked.
  const first = phases?.[0]
  const items = sub.items.data
  if (first && first.items.some((it: Obj, i: number) => it.price !== items[i]?.price.id || it.quantity !== (items[i]?.quantity ?? 1))) {
    const old = structuredClone(items)
    changeSub(emu, sub, (s) => {
      first.items.forEach((it: Obj, i: number) => {
        if (!s.items.data[i]) return
        s.items.data[i].price = structuredClone(emu.get('price', it.price, 'price'))
        s.items.data[i].quantity = it.quantity
      })
    })
    prorate(emu, sub, old, proration, emu.now(sub.test_clock ?? null))
  }
  return schedule
}

function release(emu: Emulator, id: string): Obj {
  const schedule = emu.get('subscription_schedule', id, 'subscription schedule', 'schedule')
  if (schedule.status !== 'active' && schedule.status !== 'not_started') {
    throw invalid(`You cannot release a subscription schedule that is currently in the \`${schedule.status}\` status. It must be in \`not_started\` or \`active\`.`, 'schedule')
  }
  const sub = emu.find(schedule.subscription)
  changeSchedule(emu, schedule, 'released', (s) => {
    s.status = 'released'
    s.released_at = emu.now(s.test_clock ?? null)
    s.released_subscription = s.subscription
    s.subscription = null
    s.current_phase = null
  })
  if (sub) linkSchedule(emu, sub, null)
  return schedule
}

function cancel(emu: Emulator, id: string, p: Record<string, any>): Obj {
  const schedule = emu.get('subscription_schedule', id, 'subscription schedule', 'schedule')
  if (schedule.status !== 'active' && schedule.status !== 'not_started') {
    throw invalid(`You cannot cancel a subscription schedule that is currently in the \`${schedule.status}\` status. It must be in \`not_started\` or \`active\`.`, 'schedule')
  }
  bool(p.invoice_now, 'invoice_now')
  bool(p.prorate, 'prorate')
  // Canceling the subscription cancels the schedule with it (scheduleEnded); one without a live subscription directly.
  const sub = emu.find(schedule.subscription)
  if (sub && LIVE.includes(sub.status)) cancelNow(emu, sub, 'cancellation_requested')
  else scheduleEnded(emu, { schedule: schedule.id })
  return schedule
}

export const subscriptionScheduleRoutes: Route[] = [
  route('POST', '/v1/subscription_schedules', (emu, p) => {
    if (p.from_subscription === undefined) {
      if (p.customer === undefined) throw required('customer')
      throw invalid('The emulator creates subscription schedules only `from_subscription`.', 'customer')
    }
    return expand(emu, fromSubscription(emu, p), expandPaths(p))
  }),
  route('GET', '/v1/subscription_schedules/:id', (emu, p, [id]) => expand(emu, emu.get('subscription_schedule', id, 'subscription schedule', 'schedule'), expandPaths(p))),
  route('POST', '/v1/subscription_schedules/:id/release', (emu, p, [id]) => expand(emu, release(emu, id), expandPaths(p))),
  route('POST', '/v1/subscription_schedules/:id/cancel', (emu, p, [id]) => expand(emu, cancel(emu, id, p), expandPaths(p))),
  route('POST', '/v1/subscription_schedules/:id', (emu, p, [id]) => expand(emu, updateSchedule(emu, id, p), expandPaths(p))),
  route('GET', '/v1/subscription_schedules', (emu, p) => {
    const items = emu.all('subscription_schedule').filter((s) => !p.customer || s.customer === p.customer)
    return page(emu, '/v1/subscription_schedules', items, p)
  }),
]
