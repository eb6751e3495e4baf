// New subscriptions driven by the Stripe emulator: the organization, its limits and one welcome; a declined
// first payment; an existing organization; the first receipt; the trial reminder; renames; redelivered events.
// (How these run: tests/helpers/emulator-workflows.ts.)
import type Stripe from 'stripe'
import { beforeAll, describe, expect, test } from 'vitest'
import { DAY, control, emulatedCustomer, stripe } from '../helpers/stack-stripe.ts'
import { count, e2ePlans, now, subscribe } from '../helpers/emulator-workflows.ts'
import { mailsTo } from '../helpers/mail.ts'
import { uniq } from '../helpers/stack.ts'
import { postSigned } from '../helpers/stripe-events.ts'
import { orgOf, workflowFile } from '../helpers/workflow-file.ts'

const sql = workflowFile()
const tag = uniq('e2e')
let monthly: Stripe.Price
beforeAll(async () => {
  ;({ monthly } = await e2ePlans(tag))
})

// Each test advances test clocks and settles the stack several times: a loaded machine needs more than 30 s.
describe('billing workflows driven by the Stripe emulator', { timeout: 180_000 }, () => {
  test('a new card subscription of a signed-up user creates an active organization with the plan\'s limits and sends one welcome email', async () => {
    const flow = await emulatedCustomer(sql, { name: `Initech ${tag}` })
    const sub = await subscribe(flow, monthly)
    expect(sub.status).toBe('active')
    const org = await orgOf(sql, flow.customer.id)
    expect(org).toMatchObject({ name: `Initech ${tag}`, billing_status: 'active', price_id: monthly.id, plan_name: `Pro ${tag}`, billing_email: flow.email })
    // The price's limits.seats overrides the product's.
    expect(org.plan_limits).toEqual({ seats: 25, projects: null, sso: true })
    const [member] = await sql`select role from public.organization_members where organization_id = ${org.id} and user_id = ${flow.userId}`
    expect(member?.role).toBe('admin')
    const subjects = await flow.subjects()
    expect(count(subjects, /^Welcome/)).toBe(1)
    expect(subjects).toContain(`Welcome to Pro monthly, Initech ${tag}`)
  })

  test('a subscription whose first payment is declined starts nothing; paying its invoice starts it, with one welcome', async () => {
    const flow = await emulatedCustomer(sql, { name: `Vandelay ${tag}`, card: 'pm_card_chargeCustomerFail' })
    const sub = await subscribe(flow, monthly)
    expect(sub.status).toBe('incomplete')
    const [failed] = await sql`select status from billing.stripe_events where customer_id = ${flow.customer.id} and type = 'invoice.payment_failed'`
    expect(failed?.status).toBe('processed')
    // No organization to grant the plan to, no welcome, and no dunning for an on-session first payment.
    expect(await orgOf(sql, flow.customer.id)).toBeUndefined()
    expect(await flow.subjects()).toEqual([])
    await flow.useCard('pm_card_visa')
    const paid = await stripe.invoices.pay(sub.latest_invoice as string)
    // The receipt's run may wait (a retry 10 s on) for the organization the welcome run creates.
    for (const minutes of [0, 1, 2]) await flow.settle(new Date(Date.now() + minutes * 60_000))
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe('active')
    expect(await orgOf(sql, flow.customer.id)).toMatchObject({ billing_status: 'active', price_id: monthly.id })
    const subjects = await flow.subjects()
    expect(count(subjects, `Welcome to Pro monthly, Vandelay ${tag}`)).toBe(1)
    expect(count(subjects, `Your receipt ${paid.number}`)).toBe(1)
    expect(count(subjects, /payment/i)).toBe(0)
    const runs = await sql`select workflow_id, status from billing.workflow_runs where event -> 'data' ->> 'customerId' = ${flow.customer.id} and status <> 'completed'`
    expect(runs).toEqual([])
  })

  test('a customer made for an existing organization (metadata.organization_id) subscribes that organization, not a new one', async () => {
    const flow = await emulatedCustomer(sql, { name: `Globex ${tag}`, customerName: 'Globex Billing Dept', withOrganization: true })
    await subscribe(flow, monthly)
    const orgs = await sql`select id, name, billing_status, plan_limits from public.organizations where stripe_customer_id = ${flow.customer.id}`
    expect(orgs).toEqual([{ id: flow.organizationId, name: `Globex ${tag}`, billing_status: 'active', plan_limits: { seats: 25, projects: null, sso: true } }])
    expect(count(await flow.subjects(), `Welcome to Pro monthly, Globex ${tag}`)).toBe(1)
  })

  test('the first invoice\'s receipt reaches customers whose organization the same sync creates', async () => {
    // Their invoice-paid run can be claimed before the subscription-created run that makes the
    // organization (about half the time); it must wait for it, not drop the receipt. Waiting is a retry
    // 10 s on, so the product's clock moves on as pg_cron's minutely runs would move it.
    const flows = await Promise.all([1, 2, 3, 4].map((i) => emulatedCustomer(sql, { name: `Hooli ${i} ${tag}` })))
    const subs = await Promise.all(flows.map((f) => stripe.subscriptions.create({ customer: f.customer.id, items: [{ price: monthly.id }] })))
    for (const minutes of [1, 2]) await Promise.all(flows.map((f) => f.settle(new Date(Date.now() + minutes * 60_000))))
    for (const [i, f] of flows.entries()) {
      const invoice = await stripe.invoices.retrieve(subs[i].latest_invoice as string)
      expect(await f.subjects()).toEqual(expect.arrayContaining([`Your receipt ${invoice.number}`]))
      expect(count(await f.subjects(), /^Your receipt/)).toBe(1)
    }
  })

  test('a 14-day trial gets one trial-ending email 7 days before it ends, and none more when Stripe sends trial_will_end 3 days before', async () => {
    const flow = await emulatedCustomer(sql, { name: `Umbrella ${tag}`, withOrganization: true })
    const sub = await subscribe(flow, monthly, { trial_period_days: 14 })
    expect(sub.status).toBe('trialing')
    const trialEnd = sub.trial_end!
    expect((await orgOf(sql, flow.customer.id)).billing_status).toBe('trialing')
    await flow.advanceTo(trialEnd - 7 * DAY - 3600)
    expect(count(await flow.subjects(), 'Your trial ends soon')).toBe(0)
    await flow.advanceTo(trialEnd - 7 * DAY + 60)
    const mails = (await mailsTo(flow.email, { atLeast: 2 })).filter((m) => m.subject === 'Your trial ends soon')
    expect(mails).toHaveLength(1)
    expect(mails[0].text).toContain(new Intl.DateTimeFormat('en-US', { dateStyle: 'long', timeZone: 'UTC' }).format(trialEnd * 1000))
    // "Review billing" opens the organization's billing page (the app has no /billing of its own).
    expect(mails[0].text).toMatch(new RegExp(`Review billing \\S+/billing/${flow.organizationId}\\b`))
    await flow.advanceTo(trialEnd - 3 * DAY + 60)
    const [willEnd] = await sql`select status from billing.stripe_events where customer_id = ${flow.customer.id} and type = 'customer.subscription.trial_will_end'`
    expect(willEnd?.status).toBe('processed')
    expect(count(await flow.subjects(), 'Your trial ends soon')).toBe(1)
  })

  test('a customer renamed in Stripe renames its organization and changes its billing email, not its owner\'s profile', async () => {
    const flow = await emulatedCustomer(sql, { name: `Acme ${tag}` })
    await subscribe(flow, monthly)
    const email = `new-${flow.email}`
    await stripe.customers.update(flow.customer.id, { name: `Acme Renamed ${tag}`, email })
    await flow.settle()
    expect(await orgOf(sql, flow.customer.id)).toMatchObject({ name: `Acme Renamed ${tag}`, billing_email: email })
    const [profile] = await sql`select email from public.profiles where id = ${flow.userId}`
    expect(profile.email).toBe(flow.email)
  })

  test('every event of a new subscription delivered a second time sends no email twice', async () => {
    // Chaos is global to the emulator (it would duplicate other tests' and other files' deliveries), so
    // this test redelivers its own customer's events itself: each event as the inbox recorded it, same
    // id and object, signed afresh with the webhook secret, as Stripe does when it retries a delivery.
    const flow = await emulatedCustomer(sql, { name: `Wonka ${tag}`, withOrganization: true })
    await stripe.subscriptions.create({ customer: flow.customer.id, items: [{ price: monthly.id }] })
    await control('/deliveries/wait', { timeout_ms: 10_000 })
    const events = await sql<{ id: string; type: string; payload: unknown }[]>`select id, type, payload from billing.stripe_events where customer_id = ${flow.customer.id}`
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['customer.subscription.created', 'invoice.paid', 'invoice.payment_succeeded']))
    await flow.settle()
    const runsOf = async () => Object.fromEntries((await sql`select workflow_id, count(*)::int as n from billing.workflow_runs
      where event -> 'data' ->> 'customerId' = ${flow.customer.id} group by 1`).map((r) => [r.workflow_id, r.n]))
    const before = await runsOf()
    for (const { id, payload } of events) {
      const { data: deliveries } = await control(`/deliveries?event_id=${id}`)
      expect(deliveries.map((d: { state: string }) => d.state)).toEqual(['succeeded'])
      const res = await postSigned(JSON.stringify(payload))
      expect(await res.json()).toMatchObject({ received: true, id, duplicate: true })
    }
    await flow.settle()
    const subjects = await flow.subjects()
    expect(count(subjects, /^Welcome/)).toBe(1)
    expect(count(subjects, /^Your receipt/)).toBe(1)
    // No run more than before the redelivery; the card payment (charge and invoice events) counts once.
    expect(await runsOf()).toEqual(before)
    expect((await sql`select count(*)::int as n from billing.payment_metrics where customer_id = ${flow.customer.id}`)[0].n).toBe(1)
    expect((await sql`select count(*)::int as n from billing.stripe_events where customer_id = ${flow.customer.id}`)[0].n).toBe(events.length)
  })
})
