// The billing workflows end to end, driven by real Stripe activity in the stack's emulator: the emulator
// signs and delivers each webhook to stripe-webhook, stripe-sync fetches the customer from the emulator,
// the workflows run on what it mirrored, and the emails land in maildev. Test clocks make renewals,
// trial ends and dunning retries happen; stripe-sync's run-due moves the product's clock with them.
//
// Each test has its own user, customer and test clock, yet they run one after another: run-due runs
// everything due at `asOf`, so one test moving the product's clock 30 days on would send another's 3-day
// reminder early (for the same reason the file holds the product-clock lock against other files). Where
// the product starts a timer at a renewal or a period end, the test clock starts one period in the past
// (a 30-day price: months have no fixed length), so that the renewal happens now and the clocks agree.
import Stripe from 'stripe'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { DAY, control, emulatedCustomer, stripe, type Flow } from '../helpers/stack-stripe.ts'
import { mailsTo } from '../helpers/mail.ts'
import { holdProductClock, PRODUCT_CLOCK_HOOK_TIMEOUT_MS } from '../helpers/product-clock.ts'
import { adminSql, uniq } from '../helpers/stack.ts'
import { postSigned } from '../helpers/stripe-events.ts'

const sql = adminSql()
let releaseClock: () => Promise<void>
afterAll(async () => {
  await releaseClock?.()
  await sql.end()
})

const tag = uniq('e2e')
let product: Stripe.Product
let monthly: Stripe.Price
let thirtyDays: Stripe.Price
let yen: Stripe.Price

beforeAll(async () => {
  releaseClock = await holdProductClock()
  product = await stripe.products.create({ name: `Pro ${tag}`, metadata: { 'limits.seats': '10', 'limits.projects': 'unlimited', 'limits.sso': 'true' } })
  monthly = await stripe.prices.create({ product: product.id, unit_amount: 4900, currency: 'usd', nickname: 'Pro monthly', recurring: { interval: 'month' }, metadata: { 'limits.seats': '25' } })
  thirtyDays = await stripe.prices.create({ product: product.id, unit_amount: 2900, currency: 'usd', nickname: 'Pro 30 days', recurring: { interval: 'day', interval_count: 30 } })
  yen = await stripe.prices.create({ product: product.id, unit_amount: 4900, currency: 'jpy', nickname: 'Pro monthly (JPY)', recurring: { interval: 'month' } })
}, PRODUCT_CLOCK_HOOK_TIMEOUT_MS)

const orgOf = async (customerId: string) => (await sql`select * from public.organizations where stripe_customer_id = ${customerId}`)[0]
const count = (subjects: string[], subject: string | RegExp) => subjects.filter((s) => (typeof subject === 'string' ? s === subject : subject.test(s))).length
const now = () => Math.floor(Date.now() / 1000)

async function subscribe(flow: Flow, price: Stripe.Price, extra: Partial<Stripe.SubscriptionCreateParams> = {}) {
  const sub = await stripe.subscriptions.create({ customer: flow.customer.id, items: [{ price: price.id }], ...extra })
  await flow.settle()
  return sub
}

/**
 * A 30-day subscription started one period ago: it renews an hour before `failAt` and Stripe finalizes
 * and charges the renewal invoice at `failAt`, a minute ago.
 */
async function renewingNow(name: string, failAt = now() - 60) {
  const flow = await emulatedCustomer(sql, { name, withOrganization: true, clockAt: failAt - 30 * DAY - 3600 })
  await subscribe(flow, thirtyDays)
  return { flow, failAt }
}

describe('billing workflows driven by the Stripe emulator', () => {
  test('a new card subscription of a signed-up user creates an active organization with the plan\'s limits and sends one welcome email', async () => {
    const flow = await emulatedCustomer(sql, { name: `Initech ${tag}` })
    const sub = await subscribe(flow, monthly)
    expect(sub.status).toBe('active')
    const org = await orgOf(flow.customer.id)
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
    expect(await orgOf(flow.customer.id)).toBeUndefined()
    expect(await flow.subjects()).toEqual([])
    await flow.useCard('pm_card_visa')
    const paid = await stripe.invoices.pay(sub.latest_invoice as string)
    // The receipt's run may wait (a retry 10 s on) for the organization the welcome run creates.
    for (const minutes of [0, 1, 2]) await flow.settle(new Date(Date.now() + minutes * 60_000))
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe('active')
    expect(await orgOf(flow.customer.id)).toMatchObject({ billing_status: 'active', price_id: monthly.id })
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
    expect((await orgOf(flow.customer.id)).billing_status).toBe('trialing')
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

  test('a renewal whose card fails sends one payment-failed email with the amount due, and paying with a new card before the retry cancels the reminder', async () => {
    const { flow, failAt } = await renewingNow(`Soylent ${tag}`)
    await flow.useCard('pm_card_chargeCustomerFail')
    await flow.advanceTo(failAt + 1)
    const [failed] = (await stripe.invoices.list({ customer: flow.customer.id, status: 'open' })).data
    expect(failed).toMatchObject({ billing_reason: 'subscription_cycle', amount_due: 2900, attempt_count: 1 })
    const notices = (await mailsTo(flow.email, { atLeast: 3 })).filter((m) => m.subject === 'Payment of $29.00 failed')
    expect(notices).toHaveLength(1)
    expect(notices[0].text).toContain(failed.hosted_invoice_url!)
    expect((await orgOf(flow.customer.id)).billing_status).toBe('payment_failed')

    await flow.advanceTo(failAt + 2 * DAY)
    expect(count(await flow.subjects(), /^Reminder/)).toBe(0)
    await flow.useCard('pm_card_visa')
    await flow.advanceTo(failed.next_payment_attempt! + 60)
    expect(await stripe.invoices.retrieve(failed.id)).toMatchObject({ status: 'paid', attempt_count: 2 })
    await flow.advanceTo(failAt + 6 * DAY)
    const subjects = await flow.subjects()
    expect(count(subjects, /^Reminder/)).toBe(0)
    expect(count(subjects, `Your receipt ${failed.number}`)).toBe(1)
    const [run] = await sql`select status from billing.workflow_runs where workflow_id = 'payment-failed' and trigger_key = ${`invoice:${failed.id}`}`
    expect(run.status).toBe('cancelled')
    expect((await orgOf(flow.customer.id)).billing_status).toBe('active')
  })

  test('a renewal paid on its hosted page after a failed attempt counts once in revenue, and a partial refund subtracts once (issue 13 item 2)', async () => {
    const { flow, failAt } = await renewingNow(`Umbrella ${tag}`)
    await flow.useCard('pm_card_chargeCustomerFail')
    await flow.advanceTo(failAt + 1)
    const [failed] = (await stripe.invoices.list({ customer: flow.customer.id, status: 'open' })).data
    const page = await fetch(failed.hosted_invoice_url!, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'card=pm_card_visa' })
    expect(page.status).toBe(200)
    await flow.settle()
    const paid = await stripe.invoices.retrieve(failed.id, { expand: ['payments'] })
    const intent = paid.payments!.data[0].payment.payment_intent as string
    const metrics = async () => (await sql`select payment_key, kind, amount::int from billing.payment_metrics where customer_id = ${flow.customer.id} order by occurred_at, payment_key`)
      .map((r) => ({ ...r }))
    // The first invoice's payment and the renewal's: two payments, though the renewal took two attempts.
    let rows = await metrics()
    expect(rows.filter((r) => r.kind === 'payment').map((r) => r.amount)).toEqual([2900, 2900])
    expect(rows.map((r) => r.payment_key)).toContain(`payment:${intent}`)
    const refund = await stripe.refunds.create({ payment_intent: intent, amount: 1000 })
    await stripe.refunds.update(refund.id, { metadata: { reason: 'goodwill' } })
    await flow.settle()
    rows = await metrics()
    expect(rows.filter((r) => r.kind === 'refund')).toEqual([{ payment_key: `refund:${refund.id}`, kind: 'refund', amount: -1000 }])
    expect(rows.reduce((s, r) => s + r.amount, 0)).toBe(4800)
  })

  test('an unpaid renewal gets one notice and one reminder 3 days later however many retries fail, then the cancellation email when Stripe gives up', async () => {
    const { flow, failAt } = await renewingNow(`Cyberdyne ${tag}`)
    await flow.useCard('pm_card_chargeCustomerFail')
    await flow.advanceTo(failAt + 1)
    await flow.advanceTo(failAt + 3 * DAY - 3600)
    expect(count(await flow.subjects(), /^Reminder/)).toBe(0)
    // Stripe's second attempt fails at +3 days too; the product's reminder is due then.
    await flow.advanceTo(failAt + 3 * DAY + 3600)
    let subjects = await flow.subjects()
    expect(count(subjects, 'Payment of $29.00 failed')).toBe(1)
    expect(count(subjects, 'Reminder: your invoice is still unpaid')).toBe(1)
    // Attempts at +8 and +15 days fail too; after the last one Stripe cancels the subscription.
    await flow.advanceTo(failAt + 15 * DAY + 3600)
    const failures = await sql`select id from billing.stripe_events where customer_id = ${flow.customer.id} and type = 'invoice.payment_failed' and status = 'processed'`
    expect(failures).toHaveLength(4)
    subjects = await flow.subjects()
    expect(count(subjects, 'Payment of $29.00 failed')).toBe(1)
    expect(count(subjects, 'Reminder: your invoice is still unpaid')).toBe(1)
    expect(count(subjects, 'Your subscription has ended: payment failed')).toBe(1)
    const [ended] = (await mailsTo(flow.email, { atLeast: 4 })).filter((m) => m.subject === 'Your subscription has ended: payment failed')
    expect(ended.text).toContain('because we could not collect its payment')
    expect(ended.text).toContain('$29.00 is still unpaid')
    expect((await orgOf(flow.customer.id)).billing_status).toBe('cancelled')
  })

  test('cancelling at period end sends the export link when the period ends, and deletes the organization\'s data 30 days later', async () => {
    const periodEnd = now() - 60
    const flow = await emulatedCustomer(sql, { name: `Initrode ${tag}`, withOrganization: true, clockAt: periodEnd - 30 * DAY })
    const sub = await subscribe(flow, thirtyDays)
    await stripe.subscriptions.update(sub.id, { cancel_at_period_end: true })
    await flow.settle()
    // One confirmation of the request, with the end date; the ending itself comes at the period's end.
    const confirmations = (await flow.subjects()).filter((s) => s.startsWith('Your subscription ends on'))
    expect(confirmations).toEqual([`Your subscription ends on ${new Date(periodEnd * 1000).toLocaleDateString('en-US', { dateStyle: 'long', timeZone: 'UTC' })}`])
    expect(count(await flow.subjects(), 'Your subscription has ended')).toBe(0)
    await flow.advanceTo(periodEnd + 1)
    const [mail] = (await mailsTo(flow.email, { atLeast: 4 })).filter((m) => m.subject === 'Your subscription has ended')
    const link = /http:\/\/\S+export-download\?\S+/.exec(mail.text)![0]
    expect((await (await fetch(link)).json()).organization.id).toBe(flow.organizationId)
    expect((await orgOf(flow.customer.id)).billing_status).toBe('cancelled')
    await flow.advanceTo(periodEnd + 29 * DAY)
    expect((await orgOf(flow.customer.id)).billing_status).toBe('cancelled')
    await flow.advanceTo(periodEnd + 30 * DAY + 3600)
    const [org] = await sql`select billing_status, name from public.organizations where id = ${flow.organizationId}`
    expect(org).toEqual({ billing_status: 'deleted', name: 'Deleted organization' })
  })

  test('subscribing again before the deletion date cancels the scheduled deletion', async () => {
    const periodEnd = now() - 60
    const flow = await emulatedCustomer(sql, { name: `Vandelay ${tag}`, withOrganization: true, clockAt: periodEnd - 30 * DAY })
    const sub = await subscribe(flow, thirtyDays, { cancel_at_period_end: true })
    await flow.advanceTo(periodEnd + 1)
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe('canceled')
    const [scheduled] = await sql`select id, cancelled_at from billing.workflow_events where name = 'data/deletion.scheduled' and data ->> 'customerId' = ${flow.customer.id}`
    expect(scheduled).toMatchObject({ cancelled_at: null })
    await flow.advanceTo(periodEnd + 10 * DAY)
    await subscribe(flow, monthly)
    await flow.advanceTo(periodEnd + 31 * DAY)
    const [event] = await sql`select cancelled_at, delivered_at from billing.workflow_events where id = ${scheduled.id}`
    expect(event.cancelled_at).not.toBeNull()
    expect(event.delivered_at).toBeNull()
    expect(await orgOf(flow.customer.id)).toMatchObject({ id: flow.organizationId, billing_status: 'active', name: `Vandelay ${tag}` })
    const members = await sql`select user_id from public.organization_members where organization_id = ${flow.organizationId}`
    expect(members.map((m) => m.user_id)).toEqual([flow.userId])
  })

  test('a paid renewal sends one receipt with its invoice number and the amount in the currency\'s units', async () => {
    const flow = await emulatedCustomer(sql, { name: `Tyrell ${tag}`, withOrganization: true })
    const sub = await subscribe(flow, yen)
    await flow.advanceTo(sub.items.data[0].current_period_end + 3600 + 60)
    const [renewal] = (await stripe.invoices.list({ customer: flow.customer.id, limit: 1 })).data
    expect(renewal).toMatchObject({ billing_reason: 'subscription_cycle', status: 'paid', amount_paid: 4900, currency: 'jpy' })
    const receipts = (await mailsTo(flow.email, { atLeast: 3 })).filter((m) => m.subject === `Your receipt ${renewal.number}`)
    expect(receipts).toHaveLength(1)
    expect(receipts[0].text).toContain('Amount paid: ¥4,900')
  })

  test('a customer renamed in Stripe renames its organization and changes its billing email, not its owner\'s profile', async () => {
    const flow = await emulatedCustomer(sql, { name: `Acme ${tag}` })
    await subscribe(flow, monthly)
    const email = `new-${flow.email}`
    await stripe.customers.update(flow.customer.id, { name: `Acme Renamed ${tag}`, email })
    await flow.settle()
    expect(await orgOf(flow.customer.id)).toMatchObject({ name: `Acme Renamed ${tag}`, billing_email: email })
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
