// A downgrade from the app is scheduled for the period's end (a Stripe subscription schedule of two
// phases): previewed at nothing now, shown on the overview from the mirror, blocking other changes
// until undone, and undone by releasing the schedule. Nothing is charged and the plan stays until then.
import { beforeAll, describe, expect, it } from 'vitest'
import type Stripe from 'stripe'
import { api, billingTestFile, customerOnOwnClock, mirroredPlan, signUp, subscribedOrg, until } from '../helpers/billing-api.ts'

// The file's plan is the higher one (pro); the lower ones are made beside it.
const file = billingTestFile(3000)
const { sql, stripe } = file

let basic: Stripe.Price
let team: Stripe.Price
beforeAll(async () => {
  ;[basic, team] = await Promise.all([mirroredPlan(sql, stripe, 1000), mirroredPlan(sql, stripe, 2000)])
}, 60_000)

/** Each test's own admin and organization, subscribed to `pro` through Checkout. */
async function onPro() {
  const owner = await signUp('downgrade')
  const { orgId, customerId } = await subscribedOrg(sql, owner, file.price.id)
  return { token: owner.token, org: orgId, sub: (await stripe.subscriptions.list({ customer: customerId })).data[0] }
}

async function scheduleDowngrade(token: string, org: string, to: Stripe.Price) {
  const p = await api(token, 'POST', `/organizations/${org}/plan-change/preview`, { price_id: to.id })
  expect(p.status, JSON.stringify(p.body)).toBe(200)
  const r = await api(token, 'POST', `/organizations/${org}/plan-change`, { price_id: to.id, proration_date: p.body.proration_date })
  expect(r.status, JSON.stringify(r.body)).toBe(200)
  return { preview: p.body, overview: r.body.overview }
}

describe('a downgrade scheduled for the period end', () => {
  it('is previewed at nothing now and the lower price next, keeps the plan until the period ends, and the overview shows it', { timeout: 90_000 }, async () => {
    const { token, org, sub } = await onPro()
    const invoices = (await stripe.invoices.list({ subscription: sub.id })).data.length
    const { preview, overview } = await scheduleDowngrade(token, org, basic)
    const end = sub.items.data[0].current_period_end
    expect(preview).toMatchObject({ direction: 'downgrade', due_now: 0, next_invoice_amount: 1000, next_invoice_at: new Date(end * 1000).toISOString() })
    expect(overview.subscription).toMatchObject({ price_id: file.price.id, scheduled_change: { price_id: basic.id, quantity: 1, unit_amount: 1000, at: new Date(end * 1000).toISOString() } })
    const now = await stripe.subscriptions.retrieve(sub.id, { expand: ['schedule'] })
    expect(now.items.data[0].price.id).toBe(file.price.id)
    const schedule = now.schedule as Stripe.SubscriptionSchedule
    expect(schedule).toMatchObject({ status: 'active', end_behavior: 'release' })
    expect(schedule.phases.map((ph) => [ph.start_date, ph.items[0].price])).toEqual([[sub.items.data[0].current_period_start, file.price.id], [end, basic.id]])
    expect((await stripe.invoices.list({ subscription: sub.id })).data).toHaveLength(invoices)
  })

  it('refuses another change or a cancellation while one is scheduled, saying to undo it first, and changes nothing', { timeout: 90_000 }, async () => {
    const { token, org, sub } = await onPro()
    await scheduleDowngrade(token, org, basic)
    const before = (await stripe.subscriptions.retrieve(sub.id, { expand: ['schedule'] })).schedule as Stripe.SubscriptionSchedule
    for (const path of ['/plan-change/preview', '/plan-change']) {
      const r = await api(token, 'POST', `/organizations/${org}${path}`, { price_id: team.id, proration_date: Math.floor(Date.now() / 1000) })
      expect(r.status, path).toBe(409)
      expect(r.body.error).toMatchObject({ code: 'change_scheduled', message: expect.stringContaining('Undo it first') })
      expect(r.body.error.message).toContain('on ')
    }
    // Cancelling too: Stripe refuses it on a subscription its schedule manages; the app says to undo first.
    const cancel = await api(token, 'POST', `/organizations/${org}/cancel`, { feedback: 'too_expensive' })
    expect(cancel.status).toBe(409)
    expect(cancel.body.error).toMatchObject({ code: 'change_scheduled', message: expect.stringContaining('Undo it first') })
    const after = (await stripe.subscriptions.retrieve(sub.id, { expand: ['schedule'] })).schedule as Stripe.SubscriptionSchedule
    expect(after.phases).toEqual(before.phases)
    expect((await stripe.subscriptions.retrieve(sub.id)).cancel_at_period_end).toBe(false)
    expect((await stripe.subscriptionSchedules.list({ customer: sub.customer as string })).data).toHaveLength(1)
  })

  it('is undone by releasing the schedule: the plan stays, the overview shows no change, and a second undo is refused', { timeout: 90_000 }, async () => {
    const { token, org, sub } = await onPro()
    await scheduleDowngrade(token, org, basic)
    const undo = await api(token, 'POST', `/organizations/${org}/plan-change/undo`)
    expect(undo.status, JSON.stringify(undo.body)).toBe(200)
    expect(undo.body.overview.subscription).toMatchObject({ price_id: file.price.id, scheduled_change: null })
    const now = await stripe.subscriptions.retrieve(sub.id)
    expect(now.schedule).toBeNull()
    const [schedule] = (await stripe.subscriptionSchedules.list({ customer: sub.customer as string })).data
    expect(schedule).toMatchObject({ status: 'released', released_subscription: sub.id })
    const again = await api(token, 'POST', `/organizations/${org}/plan-change/undo`)
    expect(again.status).toBe(409)
    expect(again.body.error.code).toBe('nothing_scheduled')
    // Undone, the downgrade can be chosen again.
    const { overview } = await scheduleDowngrade(token, org, team)
    expect(overview.subscription.scheduled_change).toMatchObject({ price_id: team.id })
  })

  it('takes effect at the period end: the renewal bills the lower price, and the mirror follows with no change left scheduled', { timeout: 120_000 }, async () => {
    const { owner, org, clock, customer } = await customerOnOwnClock(stripe, 'boundary')
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: file.price.id }] })
    await until('the subscription in the mirror', async () => (await sql`select 1 from public.stripe_subscriptions where id = ${sub.id} and organization_id = ${org}`).length > 0)
    await scheduleDowngrade(owner.token, org, basic)
    const end = sub.items.data[0].current_period_end
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: end + 2 * 3600 })
    const [renewal] = (await stripe.invoices.list({ subscription: sub.id, limit: 1 })).data
    expect(renewal).toMatchObject({ billing_reason: 'subscription_cycle', amount_paid: 1000, period_start: end })
    const mirrored = await until('the mirror on the lower price', async () => {
      const [row] = await sql`select price_id, raw -> 'schedule' as schedule from public.stripe_subscriptions where id = ${sub.id}`
      return row?.price_id === basic.id ? row : null
    }, 60_000)
    expect(mirrored.schedule).toMatchObject({ status: 'active', current_phase: { start_date: end } })
    const overview = await api(owner.token, 'GET', `/organizations/${org}`)
    expect(overview.body.subscription).toMatchObject({ price_id: basic.id, scheduled_change: null })
  })
})
