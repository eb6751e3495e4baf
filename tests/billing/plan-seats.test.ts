// Moving onto a per-seat price from the app: the preview and the change bill the organization's seats
// in use (members and pending invitations) at once, priced by Stripe's preview; moving back to a flat
// price is a downgrade to one unit, scheduled for the period's end like any other.
import { beforeAll, describe, expect, it } from 'vitest'
import type Stripe from 'stripe'
import { api, billingTestFile, mirroredPlan, signUp, subscribedOrg } from '../helpers/billing-api.ts'
import { uniq } from '../helpers/stack.ts'
import { shareProductClockForFile } from '../helpers/product-clock.ts'

// Invitations expire, and seats count pending ones, on the product's clock: no file moves it meanwhile.
shareProductClockForFile()

// The file's plan is the flat one; the per-seat one (metadata per_seat) is made beside it.
const file = billingTestFile(1000)
const { sql, stripe } = file

let perSeat: Stripe.Price
beforeAll(async () => {
  perSeat = await mirroredPlan(sql, stripe, 500, { metadata: { per_seat: 'true' } })
}, 60_000)

describe('plan change onto a per-seat price', () => {
  it('bills the seats in use (members and pending invitations) from the change on, as previewed', { timeout: 90_000 }, async () => {
    const owner = await signUp('seats')
    const { orgId: org, customerId } = await subscribedOrg(sql, owner, file.price.id)
    for (const who of ['a', 'b']) {
      const r = await api(owner.token, 'POST', `/organizations/${org}/invitations`, { email: `${uniq(who)}@example.test`, role: 'member' })
      expect(r.status, JSON.stringify(r.body)).toBe(201)
    }
    const [sub] = (await stripe.subscriptions.list({ customer: customerId })).data
    const p = await api(owner.token, 'POST', `/organizations/${org}/plan-change/preview`, { price_id: perSeat.id })
    expect(p.status, JSON.stringify(p.body)).toBe(200)
    expect(p.body).toMatchObject({ direction: 'upgrade', quantity: 3, next_invoice_amount: 1500 })
    // Nearly a whole month of 3 × 5.00 instead of 10.00: nearly 5.00, never more.
    expect(p.body.due_now).toBeGreaterThan(450)
    expect(p.body.due_now).toBeLessThanOrEqual(500)
    const r = await api(owner.token, 'POST', `/organizations/${org}/plan-change`, { price_id: perSeat.id, proration_date: p.body.proration_date })
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    expect(r.body.overview.subscription).toMatchObject({ price_id: perSeat.id, quantity: 3 })
    expect((await stripe.subscriptions.retrieve(sub.id)).items.data[0]).toMatchObject({ price: { id: perSeat.id }, quantity: 3 })
    const [latest] = (await stripe.invoices.list({ subscription: sub.id, limit: 1 })).data
    expect(latest).toMatchObject({ billing_reason: 'subscription_update', amount_paid: p.body.due_now })

    // Back to the flat price: one unit, from the period's end.
    const back = await api(owner.token, 'POST', `/organizations/${org}/plan-change/preview`, { price_id: file.price.id })
    expect(back.body).toMatchObject({ direction: 'downgrade', quantity: 1, due_now: 0, next_invoice_amount: 1000 })
    const scheduled = await api(owner.token, 'POST', `/organizations/${org}/plan-change`, { price_id: file.price.id, proration_date: back.body.proration_date })
    expect(scheduled.body.overview.subscription).toMatchObject({ quantity: 3, scheduled_change: { price_id: file.price.id, quantity: 1 } })
  })
})
