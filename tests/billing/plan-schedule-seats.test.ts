// Seats that change while a downgrade is scheduled on a per-seat plan: the seat sync writes the count
// into the schedule's phases (the one now and the one that starts at the period end), so the renewal on
// the lower plan bills the seats in use then, not the seats in use when the downgrade was chosen.
import { beforeAll, describe, expect, it } from 'vitest'
import type Stripe from 'stripe'
import { api, billingTestFile, customerOnOwnClock, mirroredPlan, until } from '../helpers/billing-api.ts'
import { uniq } from '../helpers/stack.ts'
import { shareProductClockForFile } from '../helpers/product-clock.ts'

// Invitations expire, and seats count pending ones, on the product's clock: no file moves it meanwhile.
shareProductClockForFile()

const PER_SEAT = { metadata: { per_seat: 'true' } }
// The file's plan is the higher per-seat one; the lower per-seat one is made beside it.
const file = billingTestFile(2000, PER_SEAT)
const { sql, stripe } = file

let basic: Stripe.Price
beforeAll(async () => {
  basic = await mirroredPlan(sql, stripe, 1000, PER_SEAT)
}, 60_000)

const phaseSeats = async (subId: string) => {
  const sub = await stripe.subscriptions.retrieve(subId, { expand: ['schedule'] })
  const schedule = sub.schedule as Stripe.SubscriptionSchedule
  return { now: sub.items.data[0].quantity, phases: schedule.phases.map((ph) => [ph.items[0].price, ph.items[0].quantity]) }
}

describe('a downgrade scheduled on a per-seat plan', () => {
  it('bills the seats in use at the period end: a member invited after scheduling is in the renewal', { timeout: 150_000 }, async () => {
    const { owner, org, clock, customer } = await customerOnOwnClock(stripe, 'sched-seats')
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: file.price.id, quantity: 1 }] })
    await until('the organization on its per-seat subscription', async () =>
      (await sql`select 1 from public.organizations where id = ${org} and stripe_subscription_id = ${sub.id} and price_id = ${file.price.id}`).length > 0, 60_000)

    const p = await api(owner.token, 'POST', `/organizations/${org}/plan-change/preview`, { price_id: basic.id })
    expect(p.body).toMatchObject({ direction: 'downgrade', quantity: 1 })
    const r = await api(owner.token, 'POST', `/organizations/${org}/plan-change`, { price_id: basic.id, proration_date: p.body.proration_date })
    expect(r.status, JSON.stringify(r.body)).toBe(200)

    const invited = await api(owner.token, 'POST', `/organizations/${org}/invitations`, { email: `${uniq('late')}@example.test`, role: 'member' })
    expect(invited.status, JSON.stringify(invited.body)).toBe(201)
    // The count reaches both phases through the schedule; the subscription's item follows the current phase.
    await until('two seats in both phases', async () => {
      const s = await phaseSeats(sub.id)
      return s.now === 2 && s.phases.every(([, q]) => q === 2) ? s : null
    }, 90_000)
    expect((await phaseSeats(sub.id)).phases).toEqual([[file.price.id, 2], [basic.id, 2]])
    // Idempotent: the sync recorded the count applied, and nothing is left to apply.
    await until('the seat change applied', async () =>
      (await sql`select 1 from billing.seat_syncs where organization_id = ${org} and applied_seq = change_seq and applied_quantity = 2`).length > 0, 60_000)

    const end = sub.items.data[0].current_period_end
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: end + 2 * 3600 })
    const [renewal] = (await stripe.invoices.list({ subscription: sub.id, limit: 1 })).data
    expect(renewal).toMatchObject({ billing_reason: 'subscription_cycle', period_start: end })
    const cycle = renewal.lines.data.filter((l) => l.period.start === end)
    expect(cycle.map((l) => [l.quantity, l.amount])).toEqual([[2, 2000]])
    expect((await stripe.subscriptions.retrieve(sub.id)).items.data[0]).toMatchObject({ price: { id: basic.id }, quantity: 2 })
  })
})
