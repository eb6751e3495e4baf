// Cancel at period end (with a reason) and resume from the app, through the billing function against
// the stack's Stripe emulator: Stripe changes, the mirror follows through the sync, and each fact is
// confirmed by one email.
import { describe, expect, it } from 'vitest'
import type Stripe from 'stripe'
import { api, billingTestFile, signUp, subscribedOrg, until } from '../helpers/billing-api.ts'
import { uniq } from '../helpers/stack.ts'

const file = billingTestFile(2500, {}, 90_000)
const { sql, stripe } = file

/** Each test's own owner and organization, subscribed through Checkout: no test sees another's cancellation. */
async function subscribed(): Promise<{ token: string; org: string; sub: Stripe.Subscription }> {
  const owner = await signUp('cancel')
  const { orgId, customerId } = await subscribedOrg(sql, owner, file.price.id, uniq('Cancel Co'))
  return { token: owner.token, org: orgId, sub: (await stripe.subscriptions.list({ customer: customerId })).data[0] }
}

const outbox = (org: string, type: string) => sql`select props from billing.email_outbox where organization_id = ${org} and email_type = ${type}`

describe('cancel and resume from the app', () => {
  it('refuses a reason outside Stripe\'s list, a member, and a resume with nothing to resume, changing nothing', { timeout: 60_000 }, async () => {
    const { token, org, sub } = await subscribed()
    const bad = await api(token, 'POST', `/organizations/${org}/cancel`, { feedback: 'bored' })
    expect(bad.status).toBe(422)
    expect(bad.body.error.message).toMatch(/feedback: choose a reason among customer_service/)
    const member = await signUp('cancel')
    await sql`insert into public.organization_members (organization_id, user_id, role) values (${org}, ${member.id}, 'member')`
    expect((await api(member.token, 'POST', `/organizations/${org}/cancel`, {})).status).toBe(403)
    const nothing = await api(token, 'POST', `/organizations/${org}/resume`)
    expect(nothing.status).toBe(409)
    expect(nothing.body.error.code).toBe('not_cancelling')
    expect((await stripe.subscriptions.retrieve(sub.id)).cancel_at_period_end).toBe(false)
  })

  it('cancels at period end with the reason in Stripe, answers the synced page, and confirms once', { timeout: 60_000 }, async () => {
    const { token, org, sub } = await subscribed()
    const r = await api(token, 'POST', `/organizations/${org}/cancel`, { feedback: 'too_expensive', comment: 'Budget cut' })
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    expect(r.body.overview.subscription).toMatchObject({ id: sub.id, cancel_at_period_end: true })
    const inStripe = await stripe.subscriptions.retrieve(sub.id)
    expect(inStripe).toMatchObject({ cancel_at_period_end: true, cancellation_details: { feedback: 'too_expensive', comment: 'Budget cut' } })
    const again = await api(token, 'POST', `/organizations/${org}/cancel`, {})
    expect(again.status).toBe(409)
    expect(again.body.error.code).toBe('already_cancelling')
    await until('the cancellation confirmation', async () => (await outbox(org, 'cancellation_scheduled')).length > 0)
  })

  it('resumes before the end in Stripe, answers the synced page, confirms once, and can cancel again', { timeout: 90_000 }, async () => {
    const { token, org, sub } = await subscribed()
    // Cancelling first (the cancellation itself is the test above).
    expect((await api(token, 'POST', `/organizations/${org}/cancel`, { feedback: 'too_expensive' })).status).toBe(200)
    await until('the cancellation confirmation', async () => (await outbox(org, 'cancellation_scheduled')).length > 0)
    const r = await api(token, 'POST', `/organizations/${org}/resume`)
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    expect(r.body.overview.subscription).toMatchObject({ id: sub.id, cancel_at_period_end: false, cancel_at: null })
    expect((await stripe.subscriptions.retrieve(sub.id)).cancel_at_period_end).toBe(false)
    const [resumed] = await until('the resumed confirmation', async () => { const rows = await outbox(org, 'subscription_resumed'); return rows.length ? rows : null })
    expect(resumed.props).toMatchObject({ manageBillingUrl: expect.stringContaining(`/billing/${org}`), renewsAt: new Date(sub.items.data[0].current_period_end * 1000).toISOString() })
    // The same change asked again after the state moved on is a new write, not Stripe's replay of the first.
    // A request is told apart by Stripe's canceled_at, in whole seconds: ask again in a later second than
    // the first request (a quiet machine gets here within the same one).
    await new Promise((r) => setTimeout(r, 1100))
    const again = await api(token, 'POST', `/organizations/${org}/cancel`, { feedback: 'unused' })
    expect(again.status, JSON.stringify(again.body)).toBe(200)
    expect((await stripe.subscriptions.retrieve(sub.id)).cancellation_details?.feedback).toBe('unused')
    await until('a second cancellation confirmation', async () => (await outbox(org, 'cancellation_scheduled')).length === 2)
    expect(await outbox(org, 'subscription_resumed')).toHaveLength(1)
  })
})
