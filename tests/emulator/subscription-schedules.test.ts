// Subscription schedules in the emulator, in strict mode (every answer and event checked against
// Stripe's spec): from_subscription, a second phase on a cheaper price, the phase boundary on a test
// clock (the subscription renews on the new price, with its events), release, cancel and bad input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type Stripe from 'stripe'
import { harness, type Harness } from './harness.ts'

let h: Harness
let stripe: Stripe
let basic: Stripe.Price
let pro: Stripe.Price
let yearly: Stripe.Price
beforeAll(async () => {
  h = await harness({ conformance: 'strict', conformanceReport: null })
  stripe = h.stripe
  const product = await stripe.products.create({ name: 'Scheduled' })
  ;[basic, pro, yearly] = await Promise.all([
    stripe.prices.create({ product: product.id, unit_amount: 1000, currency: 'usd', recurring: { interval: 'month' } }),
    stripe.prices.create({ product: product.id, unit_amount: 3000, currency: 'usd', recurring: { interval: 'month' } }),
    stripe.prices.create({ product: product.id, unit_amount: 9000, currency: 'usd', recurring: { interval: 'year' } }),
  ])
})
afterAll(() => h.close())

async function subscribed(price = pro) {
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: Math.floor(Date.now() / 1000) })
  const customer = await stripe.customers.create({ test_clock: clock.id, payment_method: 'pm_card_visa', invoice_settings: { default_payment_method: 'pm_card_visa' } })
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] })
  return { clock, customer, sub }
}

/** A downgrade at period end: the current phase as it is, then `to` from the period's end. */
async function downgradeAtPeriodEnd(sub: Stripe.Subscription, to: Stripe.Price) {
  const schedule = await stripe.subscriptionSchedules.create({ from_subscription: sub.id })
  const [current] = schedule.phases
  return stripe.subscriptionSchedules.update(schedule.id, {
    end_behavior: 'release',
    phases: [
      { start_date: current.start_date, end_date: current.end_date, items: [{ price: pro.id, quantity: 1 }] },
      { start_date: current.end_date, items: [{ price: to.id, quantity: 1 }] },
    ],
  })
}

describe('subscription schedules', () => {
  it('is created from a subscription with one phase of its current period, and the subscription names it', async () => {
    const { sub } = await subscribed()
    const from = (await h.settle(), h.received.length)
    const schedule = await stripe.subscriptionSchedules.create({ from_subscription: sub.id })
    const end = sub.items.data[0].current_period_end
    expect(schedule).toMatchObject({ object: 'subscription_schedule', status: 'active', subscription: sub.id, end_behavior: 'release', current_phase: { start_date: sub.items.data[0].current_period_start, end_date: end } })
    expect(schedule.phases).toHaveLength(1)
    expect(schedule.phases[0]).toMatchObject({ start_date: sub.items.data[0].current_period_start, end_date: end, items: [{ price: pro.id, quantity: 1 }] })
    expect((await stripe.subscriptions.retrieve(sub.id)).schedule).toBe(schedule.id)
    expect((await stripe.subscriptions.retrieve(sub.id, { expand: ['schedule'] })).schedule).toMatchObject({ id: schedule.id, object: 'subscription_schedule' })
    expect(await h.settle(from)).toEqual(['subscription_schedule.created', 'customer.subscription.updated'])
    expect((await stripe.subscriptionSchedules.retrieve(schedule.id)).id).toBe(schedule.id)
    expect((await stripe.subscriptionSchedules.list({ customer: sub.customer as string })).data.map((s) => s.id)).toEqual([schedule.id])
  })

  it('moves the subscription onto the next phase\'s price at the period end, invoices the new period, then releases it', async () => {
    const { clock, sub } = await subscribed()
    const schedule = await downgradeAtPeriodEnd(sub, basic)
    const end = sub.items.data[0].current_period_end
    expect(schedule.phases.map((p) => [p.start_date, p.items[0].price])).toEqual([[sub.items.data[0].current_period_start, pro.id], [end, basic.id]])
    // Nothing changes before the boundary.
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: end - 3600 })
    expect((await stripe.subscriptions.retrieve(sub.id)).items.data[0].price.id).toBe(pro.id)
    const from = (await h.settle(), h.received.length)
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: end + 2 * 3600 })
    const after = await stripe.subscriptions.retrieve(sub.id)
    expect(after.items.data[0]).toMatchObject({ price: { id: basic.id }, current_period_start: end })
    expect(after.schedule).toBe(schedule.id)
    const [renewal] = (await stripe.invoices.list({ subscription: sub.id, limit: 1 })).data
    expect(renewal).toMatchObject({ billing_reason: 'subscription_cycle', amount_paid: 1000, status: 'paid', period_start: end })
    const types = await h.settle(from)
    expect(types).toContain('subscription_schedule.updated')
    const updated = h.received.slice(from).find((r) => r.event.type === 'customer.subscription.updated')!.event
    expect((updated.data.object as Stripe.Subscription).items.data[0].price.id).toBe(basic.id)
    expect(Object.keys(updated.data.previous_attributes ?? {})).toEqual(expect.arrayContaining(['items']))
    expect(types.indexOf('customer.subscription.updated')).toBeLessThan(types.indexOf('invoice.created'))
    expect(await stripe.subscriptionSchedules.retrieve(schedule.id)).toMatchObject({ status: 'active', current_phase: { start_date: end } })
    // After the last phase the schedule completes and the subscription carries on, unmanaged.
    const second = (await stripe.subscriptionSchedules.retrieve(schedule.id)).phases[1].end_date
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: second + 3600 })
    expect(await stripe.subscriptionSchedules.retrieve(schedule.id)).toMatchObject({ status: 'completed', current_phase: null })
    expect(await stripe.subscriptions.retrieve(sub.id)).toMatchObject({ status: 'active', schedule: null, items: { data: [{ price: { id: basic.id } }] } })
  })

  it('released, it leaves the subscription on its price for good', async () => {
    const { clock, sub } = await subscribed()
    const schedule = await downgradeAtPeriodEnd(sub, basic)
    const from = (await h.settle(), h.received.length)
    const released = await stripe.subscriptionSchedules.release(schedule.id)
    expect(released).toMatchObject({ status: 'released', released_subscription: sub.id, subscription: null, current_phase: null })
    expect(await h.settle(from)).toEqual(['subscription_schedule.released', 'customer.subscription.updated'])
    expect((await stripe.subscriptions.retrieve(sub.id)).schedule).toBeNull()
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: sub.items.data[0].current_period_end + 7200 })
    expect((await stripe.subscriptions.retrieve(sub.id)).items.data[0].price.id).toBe(pro.id)
    const again = await stripe.subscriptionSchedules.release(schedule.id).catch((e) => e)
    expect(again).toMatchObject({ statusCode: 400, message: expect.stringContaining('released') })
  })

  it('canceled, it ends the subscription at once', async () => {
    const { sub } = await subscribed()
    const schedule = await stripe.subscriptionSchedules.create({ from_subscription: sub.id })
    expect(await stripe.subscriptionSchedules.cancel(schedule.id)).toMatchObject({ status: 'canceled' })
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe('canceled')
  })

  it('manages the subscription\'s cancellation: cancel_at_period_end is refused, and ending the subscription cancels the schedule', async () => {
    const { sub } = await subscribed()
    const schedule = await stripe.subscriptionSchedules.create({ from_subscription: sub.id })
    const refused = await stripe.subscriptions.update(sub.id, { cancel_at_period_end: true }).catch((e) => e)
    expect(refused).toMatchObject({ statusCode: 400, param: 'cancel_at_period_end', message: expect.stringContaining('Please update the schedule instead') })
    expect((await stripe.subscriptions.retrieve(sub.id)).cancel_at_period_end).toBe(false)
    await stripe.subscriptions.cancel(sub.id)
    expect(await stripe.subscriptionSchedules.retrieve(schedule.id)).toMatchObject({ status: 'canceled', current_phase: null })
  })

  it('refuses a second schedule, a moved current phase, a gap between phases and a price of another interval', async () => {
    const { sub } = await subscribed()
    const schedule = await stripe.subscriptionSchedules.create({ from_subscription: sub.id })
    expect(await stripe.subscriptionSchedules.create({ from_subscription: sub.id }).catch((e) => e)).toMatchObject({ statusCode: 400, param: 'from_subscription' })
    const [current] = schedule.phases
    const refused = async (phases: Stripe.SubscriptionScheduleUpdateParams.Phase[]) => (await stripe.subscriptionSchedules.update(schedule.id, { phases }).catch((e) => e)).param
    expect(await refused([{ start_date: current.start_date + 60, end_date: current.end_date, items: [{ price: pro.id }] }])).toBe('phases[0][start_date]')
    expect(await refused([
      { start_date: current.start_date, end_date: current.end_date, items: [{ price: pro.id }] },
      { start_date: current.end_date + 60, items: [{ price: basic.id }] },
    ])).toBe('phases[1][start_date]')
    expect(await refused([{ start_date: current.start_date, end_date: current.end_date, items: [{ price: yearly.id }] }])).toBe('phases[0][items][0][price]')
    expect((await stripe.subscriptionSchedules.retrieve(schedule.id)).phases).toHaveLength(1)
  })
})
