// A plan whose catalogue entry allows a trial without a card (trial_without_card, trial_end_behavior):
// our Checkout asks Stripe for payment_method_collection=if_required and the trial's end behaviour, the
// hosted page completes with no card, and when the trial ends with none the subscription pauses or is
// cancelled as the catalogue chose; the mirror, the organization and the overview follow.
import { afterAll, describe, expect, it } from 'vitest'
import { parseTrialTerms } from '../../supabase/functions/_shared/billing/trial-days.ts'
import { api, until } from '../helpers/billing-api.ts'
import { checkout, organization, overviewOf, plan, stripe, submitPage } from '../helpers/checkout.ts'
import { adminSql } from '../helpers/stack.ts'

const sql = adminSql()
const DAY = 86_400
afterAll(async () => {
  await sql.end()
})

describe('trials without a card', () => {
  it('reads the trial terms from product metadata: no card only with days, pause unless cancel', () => {
    expect(parseTrialTerms({ trial_days: '7', trial_without_card: 'true', trial_end_behavior: 'cancel' })).toEqual({ days: 7, withoutCard: true, endBehavior: 'cancel' })
    expect(parseTrialTerms({ trial_days: '0', trial_without_card: 'true' })).toEqual({ days: 0, withoutCard: false, endBehavior: 'pause' })
    expect(parseTrialTerms({ trial_days: '7', trial_without_card: 'false', trial_end_behavior: 'bogus' })).toEqual({ days: 7, withoutCard: false, endBehavior: 'pause' })
  })

  for (const behaviour of ['pause', 'cancel'] as const) {
    it(`a trial started without a card ends ${behaviour === 'pause' ? 'paused' : 'cancelled'} when no card was added`, { timeout: 120_000 }, async () => {
      const price = await plan(sql, { trial_days: '7', trial_without_card: 'true', trial_end_behavior: behaviour })
      const { token, org, clock, customer } = await organization(sql)
      const { url, session } = await checkout(token, org, price)
      expect((await submitPage(url, { card: 'none' })).status).toBe(303)
      expect(session.payment_method_collection).toBe('if_required')
      expect(session.allow_promotion_codes).toBe(true)

      const [sub] = (await stripe.subscriptions.list({ customer: customer.id })).data
      expect(sub.status).toBe('trialing')
      expect(sub.default_payment_method).toBeNull()
      expect(sub.trial_settings?.end_behavior.missing_payment_method).toBe(behaviour)
      expect((await stripe.paymentMethods.list({ customer: customer.id })).data).toEqual([])

      const trialing = await until('the trial on the page', async () => {
        const o = await overviewOf(token, org)
        return o.subscription?.status === 'trialing' ? o : null
      })
      expect(trialing.subscription!.trial_end_behavior).toBe(behaviour)
      expect(trialing.payment_method).toBeNull()

      // Two days before the end Stripe says the trial will end: one email, saying what the end will do.
      await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: sub.trial_end! - 2 * DAY })
      const reminders = await until('the trial-ending email', async () => {
        const rows = await sql`select props from billing.email_outbox where organization_id = ${org} and email_type = 'trial_ending'`
        return rows.length ? rows : null
      })
      expect(reminders.map((r) => [r.props.endBehavior, r.props.cardOnFile])).toEqual([[behaviour, false]])

      await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: sub.trial_end! + DAY })
      const ended = await stripe.subscriptions.retrieve(sub.id)
      expect(ended.status).toBe(behaviour === 'pause' ? 'paused' : 'canceled')
      const events = (await stripe.events.list({ limit: 100 })).data.filter((e) => (e.data.object as { id?: string }).id === sub.id).map((e) => e.type)
      if (behaviour === 'pause') {
        expect(events).toContain('customer.subscription.paused')
        expect(events).not.toContain('customer.subscription.deleted')
      } else {
        expect(events).toContain('customer.subscription.deleted')
        expect(events).not.toContain('customer.subscription.paused')
      }
      // No invoice was made for the first period: there was nothing to charge it to.
      expect((await stripe.invoices.list({ customer: customer.id })).data.filter((i) => i.billing_reason === 'subscription_cycle')).toEqual([])

      const expected = behaviour === 'pause' ? 'paused' : 'cancelled'
      await until(`the organization ${expected}`, async () => {
        const [row] = await sql`select billing_status from public.organizations where id = ${org}`
        return row.billing_status === expected
      })
      const [mirrored] = await sql`select status from public.stripe_subscriptions where id = ${sub.id}`
      expect(mirrored.status).toBe(behaviour === 'pause' ? 'paused' : 'canceled')
      const [{ n }] = await sql`select count(*)::int as n from billing.email_outbox where organization_id = ${org} and email_type = 'trial_ending'`
      expect(n).toBe(1)
    })
  }

  it('a paused trial resumes from the app only once a card is on file: then Stripe starts and charges a period', { timeout: 120_000 }, async () => {
    const price = await plan(sql, { trial_days: '3', trial_without_card: 'true', trial_end_behavior: 'pause' })
    const { token, org, clock, customer } = await organization(sql)
    const { url } = await checkout(token, org, price)
    expect((await submitPage(url, { card: 'none' })).status).toBe(303)
    const [sub] = (await stripe.subscriptions.list({ customer: customer.id })).data
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: sub.trial_end! + DAY })
    await until('the organization paused', async () => (await sql`select billing_status from public.organizations where id = ${org}`)[0].billing_status === 'paused')

    const refused = await api(token, 'POST', `/organizations/${org}/resume`, {})
    expect([refused.status, refused.body.error?.code]).toEqual([409, 'no_payment_method'])
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe('paused')

    const pm = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id })
    await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } })
    await until('the card on the page', async () => (await overviewOf(token, org)).payment_method)
    const resumed = await api(token, 'POST', `/organizations/${org}/resume`, {})
    expect(resumed.status, JSON.stringify(resumed.body)).toBe(200)
    expect(resumed.body.overview.subscription.status).toBe('active')
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe('active')
    const [latest] = (await stripe.invoices.list({ subscription: sub.id, limit: 1 })).data
    expect([latest.status, latest.amount_paid]).toEqual(['paid', 1900])
    await until('the organization active', async () => (await sql`select billing_status from public.organizations where id = ${org}`)[0].billing_status === 'active')
  })

  it('a plan that requires a card keeps Checkout collecting one', { timeout: 60_000 }, async () => {
    const price = await plan(sql, { trial_days: '7', trial_end_behavior: 'cancel' })
    const { token, org } = await organization(sql)
    const { url, session } = await checkout(token, org, price)
    expect(session.payment_method_collection).toBe('always')
    expect((await submitPage(url, { card: 'none' })).status).toBe(400)
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe('open')
  })
})
