// Every workflow of DESIGN.md end to end from the sync's hand-off: the organization's state in
// Postgres and the emails in maildev, with the clock moved forward for the timed steps.
import { afterAll, describe, expect, test } from 'vitest'
import { customerWithUser, days, handOver, invoice, mirror, outboxTo, settle, subscription, useStackEnv } from '../helpers/billing.ts'
import { mailsTo } from '../helpers/mail.ts'
import { holdProductClockForFile } from '../helpers/product-clock.ts'
import { adminSql } from '../helpers/stack.ts'

const sql = adminSql()
holdProductClockForFile(useStackEnv)
afterAll(async () => {
  await sql.end()
})

const orgOf = async (customerId: string) =>
  (await sql`select * from public.organizations where stripe_customer_id = ${customerId}`)[0]

async function subscribed(name = 'Acme Test') {
  const c = await customerWithUser(sql, name)
  const sub = subscription(c)
  await handOver(sql, 'customer.subscription.created', sub)
  await settle(sql)
  return { c, sub, org: await orgOf(c.id) }
}

describe('billing workflows', () => {
  test('a new subscription creates the organization, makes the customer\'s user its admin and sends one confirmation', async () => {
    const { c, org } = await subscribed('Initech')
    expect(org).toMatchObject({ name: 'Initech', billing_email: c.email })
    const [m] = await sql`select role from public.organization_members where organization_id = ${org.id} and user_id = ${c.userId}`
    expect(m.role).toBe('admin')
    const mails = await mailsTo(c.email)
    expect(mails).toHaveLength(1)
    expect(mails[0].subject).toBe('Welcome to Pro monthly, Initech')
    expect(mails[0].text).toContain('billed monthly')
  })

  test('the welcome greets the person by their profile\'s name, never by the Stripe customer\'s (the organization\'s billing name)', async () => {
    const { c } = await subscribed('Globex Billing Dept')
    const [welcome] = await mailsTo(c.email)
    expect(welcome.text).not.toContain('Globex Billing Dept!')
    expect(welcome.text).toMatch(/WELCOME ABOARD!/)
    const named = await customerWithUser(sql, 'Hooli Accounts')
    await sql`update public.profiles set full_name = 'Gavin' where id = ${named.userId}`
    await handOver(sql, 'customer.subscription.created', subscription(named))
    await settle(sql)
    expect((await mailsTo(named.email))[0].text).toMatch(/WELCOME ABOARD, GAVIN!/)
  })

  test('an event about a subscription Stripe does not have creates no organization and sends nothing', async () => {
    const c = await customerWithUser(sql, 'Forged Inc')
    await handOver(sql, 'customer.subscription.created', subscription(c), undefined, { mirror: false })
    await settle(sql)
    expect(await orgOf(c.id)).toBeUndefined()
    expect(await outboxTo(sql, c.email)).toEqual([])
    const [run] = await sql`select status, result from billing.workflow_runs where workflow_id = 'subscription-created' and event -> 'data' ->> 'customerId' = ${c.id}`
    expect(run).toMatchObject({ status: 'completed', result: { skipped: expect.stringContaining('Stripe has no subscription') } })
  })

  test('a trialing subscription gets one trial-ending email 7 days before the trial ends, even when Stripe also says so', async () => {
    const c = await customerWithUser(sql)
    const trialEnd = Math.floor(days(10).getTime() / 1000)
    const sub = subscription(c, { status: 'trialing', trial_end: trialEnd })
    await sql`insert into public.stripe_subscriptions (id, customer_id, status, raw, stripe_fetched_at) values (${sub.id}, ${c.id}, 'trialing', '{}', now())`
    await handOver(sql, 'customer.subscription.created', sub)
    await settle(sql)
    const [scheduled] = await sql`select deliver_at from billing.workflow_events where name = 'trial/expiration-reminder' and data ->> 'subscriptionId' = ${sub.id}`
    expect(Math.abs(scheduled.deliver_at.getTime() - (trialEnd * 1000 - 7 * 86_400_000))).toBeLessThan(1000)
    await settle(sql, days(2))
    expect((await outboxTo(sql, c.email)).map((e) => e.email_type)).toEqual(['subscription_confirmation'])
    // Day 3.1, seven days before the trial ends and before Stripe's own 3-day notice: our reminder is sent.
    await settle(sql, days(3.1))
    expect((await outboxTo(sql, c.email)).map((e) => [e.email_type, e.status])).toEqual([['subscription_confirmation', 'sent'], ['trial_ending', 'sent']])
    expect((await mailsTo(c.email, { atLeast: 2 })).map((m) => m.subject)).toEqual(['Welcome to Pro monthly, Acme Test', 'Your trial ends soon'])
    // Stripe's trial_will_end for the same trial, later, sends nothing more.
    await handOver(sql, 'customer.subscription.trial_will_end', sub)
    await settle(sql, days(7.1))
    expect((await outboxTo(sql, c.email)).map((e) => e.email_type)).toEqual(['subscription_confirmation', 'trial_ending'])
  })

  test('no trial-ending email goes to a subscription that is no longer trialing when the reminder is due', async () => {
    const c = await customerWithUser(sql)
    const trialEnd = Math.floor(days(10).getTime() / 1000)
    const sub = subscription(c, { status: 'trialing', trial_end: trialEnd })
    await handOver(sql, 'customer.subscription.created', sub)
    await settle(sql)
    // The customer paid early: the mirror (as the sync writes it) says active.
    await sql`update public.stripe_subscriptions set status = 'active', trial_end = now() where id = ${sub.id}`
    await settle(sql, days(3.1))
    const [run] = await sql`select status, result from billing.workflow_runs where workflow_id = 'trial-ending' and trigger_key = ${`trial:${sub.id}:${trialEnd}`}`
    expect(run).toMatchObject({ status: 'completed', result: { sent: false, reason: 'subscription is active' } })
    expect((await outboxTo(sql, c.email)).map((e) => e.email_type)).toEqual(['subscription_confirmation'])
  })

  test('the payment-failed email promises that a new card pays future invoices only when the subscription saves the paying card (issue 13 item 3)', async () => {
    for (const save of ['on_subscription', 'off']) {
      const c = await customerWithUser(sql)
      const sub = subscription(c, { payment_settings: { save_default_payment_method: save } })
      await handOver(sql, 'customer.subscription.created', sub)
      await settle(sql)
      const inv = invoice(c, sub.id)
      await sql`insert into public.stripe_invoices (id, customer_id, subscription_id, status, raw, stripe_fetched_at) values (${inv.id}, ${c.id}, ${sub.id}, 'open', '{}', now())`
      await handOver(sql, 'invoice.payment_failed', inv)
      await settle(sql)
      const [notice] = (await mailsTo(c.email, { atLeast: 2 })).filter((m) => m.subject === 'Payment of $49.00 failed')
      expect(notice.text.includes('paying with a new card also updates it for future invoices'), save).toBe(save === 'on_subscription')
    }
  })

  test('a failed payment marks the organization, sends one notice, and one reminder after 3 days if still unpaid', async () => {
    const { c, sub, org } = await subscribed()
    const inv = invoice(c, sub.id)
    await sql`insert into public.stripe_invoices (id, customer_id, status, raw, stripe_fetched_at) values (${inv.id}, ${c.id}, 'open', '{}', now())`
    await handOver(sql, 'invoice.payment_failed', inv)
    await handOver(sql, 'invoice.payment_failed', { ...inv, attempt_count: 2 })
    await settle(sql)
    expect((await orgOf(c.id)).billing_status).toBe('payment_failed')
    const notices = (await mailsTo(c.email, { atLeast: 2 })).filter((m) => m.subject === 'Payment of $49.00 failed')
    expect(notices).toHaveLength(1)
    expect(notices[0].text).toContain('http://127.0.0.1:12111/invoices/pay')
    await settle(sql, days(2.9))
    expect((await outboxTo(sql, c.email)).map((e) => e.email_type)).toEqual(['subscription_confirmation', 'payment_failed'])
    await settle(sql, days(3.1))
    await settle(sql, days(6))
    const reminders = (await mailsTo(c.email, { atLeast: 3 })).filter((m) => m.subject === 'Reminder: your invoice is still unpaid')
    expect(reminders).toHaveLength(1)
    expect((await outboxTo(sql, c.email)).map((e) => [e.email_type, e.organization_id])).toEqual(
      ['subscription_confirmation', 'payment_failed', 'payment_reminder'].map((t) => [t, org.id]))
  })

  test('an invoice paid within the 3 days cancels the reminder and sends one receipt', async () => {
    const { c, sub } = await subscribed()
    const inv = invoice(c, sub.id)
    await handOver(sql, 'invoice.payment_failed', inv)
    await settle(sql)
    const paid = { ...inv, status: 'paid', amount_paid: 4900, status_transitions: { paid_at: Math.floor(Date.now() / 1000) } }
    await handOver(sql, 'invoice.paid', paid)
    await handOver(sql, 'invoice.payment_succeeded', paid)
    await settle(sql)
    await settle(sql, days(4))
    const subjects = (await mailsTo(c.email, { atLeast: 3 })).map((m) => m.subject)
    expect(subjects.filter((s) => s.startsWith('Your receipt'))).toHaveLength(1)
    expect(subjects.some((s) => s.startsWith('Reminder'))).toBe(false)
    const [run] = await sql`select status from billing.workflow_runs where workflow_id = 'payment-failed' and trigger_key = ${`invoice:${inv.id}`}`
    expect(run.status).toBe('cancelled')
    expect((await orgOf(c.id)).last_payment_at).not.toBeNull()
  })

  test('a cancelled subscription sends the export link, and the organization\'s data is deleted 30 days later', async () => {
    const { c, sub } = await subscribed()
    await handOver(sql, 'customer.subscription.deleted', { ...sub, status: 'canceled', ended_at: Math.floor(Date.now() / 1000) })
    await settle(sql)
    const org = await orgOf(c.id)
    expect(org.billing_status).toBe('cancelled')
    const [mail] = (await mailsTo(c.email, { atLeast: 2 })).filter((m) => m.subject === 'Your subscription has ended')
    const link = /http:\/\/\S+export-download\?\S+/.exec(mail.text)![0]
    const exported = await (await fetch(link)).json()
    expect(exported.organization.id).toBe(org.id)
    // The signed link is a bearer link: once mailed, neither the outbox nor the run's memoized steps keep it.
    const [sent] = await sql`select status, run_id, to_jsonb(o)::text as whole from billing.email_outbox o where idempotency_key = ${`subscription_cancelled:${sub.id}`}`
    expect(sent.status).toBe('sent')
    expect(sent.whole).not.toContain('export-download')
    const steps = await sql`select result::text as result from billing.workflow_steps where run_id = ${sent.run_id}`
    expect(steps.length).toBeGreaterThan(2)
    expect(steps.map((x) => x.result).join('\n')).not.toContain('export-download')
    await settle(sql, days(29))
    expect((await orgOf(c.id)).billing_status).toBe('cancelled')
    await settle(sql, days(30.1))
    const after = await sql`select billing_status, name from public.organizations where id = ${org.id}`
    expect(after[0]).toEqual({ billing_status: 'deleted', name: 'Deleted organization' })
  })

  test('subscribing again within 30 days cancels the scheduled deletion', async () => {
    const { c, sub } = await subscribed()
    await handOver(sql, 'customer.subscription.deleted', { ...sub, status: 'canceled' })
    await settle(sql)
    await handOver(sql, 'customer.subscription.created', subscription(c))
    await settle(sql, days(31))
    // The subscription-created workflow made the organization active again (not the test), and its data stays.
    expect(await orgOf(c.id)).toMatchObject({ billing_status: 'active', name: 'Acme Test' })
    const [event] = await sql`select cancelled_at from billing.workflow_events where name = 'data/deletion.scheduled' and data ->> 'customerId' = ${c.id}`
    expect(event.cancelled_at).not.toBeNull()
  })

  test('a subscription that ends while another of the customer\'s is live (a plan switch) sends no cancellation', async () => {
    const { c, sub, org } = await subscribed()
    const next = subscription(c)
    await handOver(sql, 'customer.subscription.created', next)
    await handOver(sql, 'customer.subscription.deleted', { ...sub, status: 'canceled' })
    await settle(sql)
    const [run] = await sql`select status, result from billing.workflow_runs where workflow_id = 'subscription-cancelled' and trigger_key = ${`subscription:${sub.id}`}`
    expect(run).toMatchObject({ status: 'completed', result: { skipped: expect.stringContaining('is live') } })
    expect(await sql`select id from billing.email_outbox where organization_id = ${org.id} and email_type = 'subscription_cancelled'`).toEqual([])
  })

  test('a declined attempt to subscribe again does not cancel the scheduled deletion', async () => {
    const { c, sub } = await subscribed()
    await handOver(sql, 'customer.subscription.deleted', { ...sub, status: 'canceled' })
    await settle(sql)
    await handOver(sql, 'customer.subscription.created', subscription(c, { status: 'incomplete' }))
    const [event] = await sql`select cancelled_at from billing.workflow_events where name = 'data/deletion.scheduled' and data ->> 'customerId' = ${c.id}`
    expect(event.cancelled_at).toBeNull()
  })

  test('a customer whose name and email changed renames the organization and changes its billing email, never the owner\'s profile', async () => {
    const { c } = await subscribed('Old Name')
    const email = `billing-${c.email}`
    await handOver(sql, 'customer.updated', { id: c.id, object: 'customer', name: 'New Name', email }, { name: 'Old Name', email: c.email })
    await settle(sql)
    expect(await orgOf(c.id)).toMatchObject({ name: 'New Name', billing_email: email })
    // A person's identity is Auth's: the billing contact's address is not the owner's email.
    const [profile] = await sql`select email from public.profiles where id = ${c.userId}`
    expect(profile.email).toBe(c.email)
  })

  test('a profile\'s email follows its Auth user and nothing else can write it', async () => {
    const c = await customerWithUser(sql)
    await sql`update public.profiles set email = 'billing@example.test' where id = ${c.userId}`
    expect((await sql`select email from public.profiles where id = ${c.userId}`)[0].email).toBe(c.email)
    const changed = `changed-${c.email}`
    await sql`update auth.users set email = ${changed} where id = ${c.userId}`
    expect((await sql`select email from public.profiles where id = ${c.userId}`)[0].email).toBe(changed)
  })

  test('a customer.updated event names what changed, but the organization takes Stripe\'s current values, not the payload\'s', async () => {
    const { c } = await subscribed('Before Co')
    await mirror(sql, { id: c.id, object: 'customer', name: 'Current Co', email: `current-${c.email}` })
    await handOver(sql, 'customer.updated', { id: c.id, object: 'customer', name: 'Stale Co', email: `stale-${c.email}` }, { name: 'Before Co', email: c.email }, { mirror: false })
    await settle(sql)
    expect(await orgOf(c.id)).toMatchObject({ name: 'Current Co', billing_email: `current-${c.email}` })
  })

  test('a failed-payment notice takes the amount, pay-by date and link from Stripe\'s invoice, not from an old event', async () => {
    const { c, sub } = await subscribed()
    const retryAt = Math.floor(days(2).getTime() / 1000)
    const current = invoice(c, sub.id, { amount_due: 4900, amount_remaining: 4900, next_payment_attempt: retryAt, hosted_invoice_url: 'http://127.0.0.1:12111/invoice/in_current' })
    await mirror(sql, current)
    // The payload as an old event had it: another amount, an attempt already past, another link.
    const stale = { ...current, amount_due: 1234, amount_remaining: 1234, next_payment_attempt: Math.floor(Date.now() / 1000) - 86_400, hosted_invoice_url: 'http://stale.example/pay' }
    await handOver(sql, 'invoice.payment_failed', stale, undefined, { mirror: false })
    await settle(sql)
    const [row] = await sql`select props from billing.email_outbox where idempotency_key = ${`payment_failed:${current.id}`}`
    expect(row.props).toMatchObject({ amountDue: 4900, dueDate: new Date(retryAt * 1000).toISOString(), paymentUrl: 'http://127.0.0.1:12111/invoice/in_current' })
  })

  test('a failed payment that Stripe says is paid by the time the run starts sends no notice and leaves the organization active', async () => {
    const { c, sub } = await subscribed()
    const inv = invoice(c, sub.id)
    await mirror(sql, { ...inv, status: 'paid', amount_paid: 4900, status_transitions: { paid_at: Math.floor(Date.now() / 1000) } })
    await handOver(sql, 'invoice.payment_failed', inv, undefined, { mirror: false })
    await settle(sql)
    expect(await sql`select 1 from billing.email_outbox where idempotency_key = ${`payment_failed:${inv.id}`}`).toEqual([])
    expect((await orgOf(c.id)).billing_status).toBe('active')
  })

  test('a receipt takes the number, amount and payment time from Stripe\'s invoice, not from the event', async () => {
    const { c, sub } = await subscribed()
    const paidAt = Math.floor(Date.now() / 1000) - 3600
    const current = invoice(c, sub.id, { number: 'INV-CURRENT', status: 'paid', amount_paid: 4900, status_transitions: { paid_at: paidAt } })
    await mirror(sql, current)
    await handOver(sql, 'invoice.paid', { ...current, number: 'INV-STALE', amount_paid: 1, status_transitions: { paid_at: paidAt - 86_400 } }, undefined, { mirror: false })
    await settle(sql)
    const [row] = await sql`select props from billing.email_outbox where idempotency_key = ${`receipt:${current.id}`}`
    expect(row.props).toMatchObject({ invoiceNumber: 'INV-CURRENT', amountPaid: 4900, paidAt: new Date(paidAt * 1000).toISOString() })
  })

  test('the deletion date counts from the subscription\'s ended_at as Stripe has it, and the export link outlives the cancellation', async () => {
    const { c, sub } = await subscribed()
    const endedAt = Math.floor(Date.now() / 1000) - 2 * 86_400
    await mirror(sql, { ...sub, status: 'canceled', ended_at: endedAt, canceled_at: endedAt })
    await handOver(sql, 'customer.subscription.deleted', { ...sub, status: 'canceled', ended_at: endedAt + 9 * 86_400 }, undefined, { mirror: false })
    await settle(sql)
    const [row] = await sql`select props from billing.email_outbox where idempotency_key = ${`subscription_cancelled:${sub.id}`}`
    const deletion = new Date(endedAt * 1000 + 30 * 86_400_000)
    expect(row.props).toMatchObject({ cancelledAt: new Date(endedAt * 1000).toISOString(), deletionAt: deletion.toISOString() })
    expect(Date.parse(row.props.exportExpiresAt)).toBeGreaterThan(endedAt * 1000)
    const [scheduled] = await sql`select deliver_at from billing.workflow_events where name = 'data/deletion.scheduled' and data ->> 'subscriptionId' = ${sub.id}`
    expect(scheduled.deliver_at.toISOString()).toBe(deletion.toISOString())
  })

  test('scheduling a cancellation sends one confirmation with the end date, however often its event comes, and none for later updates', async () => {
    const { c, sub, org } = await subscribed()
    const endsAt = Math.floor(days(20).getTime() / 1000)
    const scheduled = { ...sub, cancel_at_period_end: true, cancel_at: endsAt, canceled_at: Math.floor(Date.now() / 1000) }
    await handOver(sql, 'customer.subscription.updated', scheduled, { cancel_at_period_end: false, cancel_at: null, canceled_at: null })
    await handOver(sql, 'customer.subscription.updated', scheduled, { cancel_at_period_end: false, cancel_at: null, canceled_at: null })
    await handOver(sql, 'customer.subscription.updated', { ...scheduled, metadata: { note: 'x' } }, { metadata: {} })
    await settle(sql)
    const rows = await sql`select props from billing.email_outbox where organization_id = ${org.id} and email_type = 'cancellation_scheduled'`
    expect(rows).toHaveLength(1)
    expect(rows[0].props).toMatchObject({ endsAt: new Date(endsAt * 1000).toISOString(), resumeUrl: `http://127.0.0.1:3000/billing/${org.id}` })
    const [mail] = (await mailsTo(c.email, { atLeast: 2 })).filter((m) => m.subject.startsWith('Your subscription ends on'))
    expect(mail.text).toContain('Resume subscription')
  })

  test('a cancellation scheduled before the organization exists is confirmed once its organization is made', async () => {
    const c = await customerWithUser(sql)
    const sub = subscription(c)
    const scheduled = { ...sub, cancel_at_period_end: true, cancel_at: Math.floor(days(20).getTime() / 1000), canceled_at: Math.floor(Date.now() / 1000) }
    // Delivered out of order: the update before the creation whose run makes the organization.
    await handOver(sql, 'customer.subscription.updated', scheduled, { cancel_at_period_end: false, cancel_at: null, canceled_at: null })
    await handOver(sql, 'customer.subscription.created', scheduled, undefined, { mirror: false })
    await settle(sql)
    await settle(sql, new Date(Date.now() + 120_000))
    const org = await orgOf(c.id)
    const rows = await sql`select 1 from billing.email_outbox where organization_id = ${org.id} and email_type = 'cancellation_scheduled'`
    expect(rows).toHaveLength(1)
  })

  test('a cancellation resumed before its run reads Stripe sends no confirmation', async () => {
    const { sub, org } = await subscribed()
    const scheduled = { ...sub, cancel_at_period_end: true, cancel_at: Math.floor(days(20).getTime() / 1000), canceled_at: Math.floor(Date.now() / 1000) }
    await handOver(sql, 'customer.subscription.updated', scheduled, { cancel_at_period_end: false, cancel_at: null, canceled_at: null })
    await mirror(sql, { ...sub, cancel_at_period_end: false, cancel_at: null, canceled_at: null })
    await settle(sql)
    expect(await sql`select 1 from billing.email_outbox where organization_id = ${org.id} and email_type = 'cancellation_scheduled'`).toEqual([])
  })

  test('resuming a scheduled cancellation sends one confirmation per withdrawn request, however often its event comes', async () => {
    const { c, sub, org } = await subscribed()
    const requested = Math.floor(Date.now() / 1000) - 60
    const wasEnding = { cancel_at_period_end: true, cancel_at: Math.floor(days(20).getTime() / 1000), canceled_at: requested }
    await handOver(sql, 'customer.subscription.updated', sub, wasEnding)
    await handOver(sql, 'customer.subscription.updated', sub, wasEnding)
    await handOver(sql, 'customer.subscription.updated', { ...sub, metadata: { note: 'x' } }, { metadata: {} })
    await settle(sql)
    const rows = await sql`select props from billing.email_outbox where organization_id = ${org.id} and email_type = 'subscription_resumed'`
    expect(rows).toHaveLength(1)
    expect(rows[0].props).toMatchObject({ manageBillingUrl: `http://127.0.0.1:3000/billing/${org.id}` })
    const [mail] = (await mailsTo(c.email, { atLeast: 2 })).filter((m) => m.subject === 'Your subscription continues')
    expect(mail.text).toContain('has been withdrawn')
    // A later request withdrawn again is a new fact: a second confirmation.
    await handOver(sql, 'customer.subscription.updated', sub, { ...wasEnding, canceled_at: requested + 30 })
    await settle(sql)
    expect(await sql`select 1 from billing.email_outbox where organization_id = ${org.id} and email_type = 'subscription_resumed'`).toHaveLength(2)
  })

  test('a resume whose subscription is set to end again before the run reads Stripe sends no confirmation', async () => {
    const { sub, org } = await subscribed()
    await handOver(sql, 'customer.subscription.updated', sub, { cancel_at_period_end: true, cancel_at: Math.floor(days(20).getTime() / 1000), canceled_at: Math.floor(Date.now() / 1000) })
    await mirror(sql, { ...sub, cancel_at_period_end: true, cancel_at: Math.floor(days(20).getTime() / 1000), canceled_at: Math.floor(Date.now() / 1000) + 5 })
    await settle(sql)
    expect(await sql`select 1 from billing.email_outbox where organization_id = ${org.id} and email_type = 'subscription_resumed'`).toEqual([])
  })

  test('a subscription ended by failed payments gets an email that says so, with what is unpaid and how to come back', async () => {
    const { c, sub, org } = await subscribed()
    const unpaid = invoice(c, sub.id, { amount_remaining: 4900, hosted_invoice_url: 'http://127.0.0.1:12111/invoice/in_unpaid' })
    await mirror(sql, unpaid)
    const ended = { ...sub, status: 'canceled', ended_at: Math.floor(Date.now() / 1000), cancellation_details: { reason: 'payment_failed' } }
    await handOver(sql, 'customer.subscription.deleted', ended)
    await settle(sql)
    const [row] = await sql`select subject, props from billing.email_outbox where organization_id = ${org.id} and email_type = 'subscription_cancelled'`
    expect(row.subject).toBe('Your subscription has ended: payment failed')
    expect(row.props).toMatchObject({ reason: 'payment_failed', unpaidAmount: 4900, currency: 'usd', unpaidInvoiceUrl: 'http://127.0.0.1:12111/invoice/in_unpaid', resubscribeUrl: `http://127.0.0.1:3000/billing/${org.id}` })
  })

  test('a trial reminder for a trial end Stripe no longer has sends nothing', async () => {
    const c = await customerWithUser(sql)
    const trialEnd = Math.floor(days(5).getTime() / 1000)
    const sub = subscription(c, { status: 'trialing', trial_end: trialEnd })
    await handOver(sql, 'customer.subscription.trial_will_end', sub)
    await mirror(sql, { ...sub, trial_end: trialEnd + 7 * 86_400 })
    await settle(sql)
    expect(await sql`select 1 from billing.email_outbox where idempotency_key = ${`trial_ending:${sub.id}:${trialEnd}`}`).toEqual([])
  })

  test('one payment seen as invoice.payment_succeeded and charge.succeeded is one metric', async () => {
    const { c, sub } = await subscribed()
    const pi = `pi_${Date.now()}`
    await handOver(sql, 'invoice.payment_succeeded', { ...invoice(c, sub.id), amount_paid: 4900, status: 'paid', payments: { data: [{ status: 'paid', amount_paid: 4900, payment: { type: 'payment_intent', payment_intent: pi } }] } })
    await handOver(sql, 'charge.succeeded', { id: `ch_${Date.now()}`, object: 'charge', customer: c.id, amount: 4900, currency: 'usd', payment_intent: pi })
    await settle(sql)
    const rows = await sql`select amount, currency from billing.payment_metrics where payment_key = ${`payment:${pi}`}`
    expect(rows).toEqual([{ amount: '4900', currency: 'usd' }])
  })

  test('an invoice event without payments still counts once beside its charge, through the mirrored invoice', async () => {
    const { c, sub } = await subscribed()
    const pi = `pi_mirror_${Date.now()}`
    const inv = { ...invoice(c, sub.id), amount_paid: 4900, status: 'paid' }
    // The sync fetched the invoice with its payments; the event's payload (as Stripe sends it) has none.
    const fetched = { ...inv, payments: { object: 'list', data: [{ status: 'paid', amount_paid: 4900, payment: { type: 'payment_intent', payment_intent: pi } }] } }
    await mirror(sql, fetched)
    await handOver(sql, 'charge.succeeded', { id: `ch_${Date.now()}`, object: 'charge', customer: c.id, amount: 4900, currency: 'usd', payment_intent: pi })
    await handOver(sql, 'invoice.payment_succeeded', inv, undefined, { mirror: false })
    await settle(sql)
    const rows = await sql`select payment_key from billing.payment_metrics where customer_id = ${c.id}`
    expect(rows).toEqual([{ payment_key: `payment:${pi}` }])
  })

  test('an invoice paid with a second payment after a failed one counts once, under the paid payment (issue 13 item 2)', async () => {
    const { c, sub } = await subscribed()
    const [failed, paid] = [`pi_failed_${Date.now()}`, `pi_paid_${Date.now()}`]
    // Newest first, as Stripe lists them: the paid payment, then the attempt that failed and was canceled.
    const payments = { data: [
      { status: 'paid', amount_paid: 4900, payment: { type: 'payment_intent', payment_intent: paid } },
      { status: 'canceled', amount_paid: null, payment: { type: 'payment_intent', payment_intent: failed } },
    ] }
    await handOver(sql, 'charge.failed', { id: `ch_f_${Date.now()}`, object: 'charge', customer: c.id, amount: 4900, currency: 'usd', status: 'failed', payment_intent: failed })
    await handOver(sql, 'invoice.payment_succeeded', { ...invoice(c, sub.id), amount_paid: 4900, status: 'paid', payments: { data: [...payments.data].reverse() } })
    await handOver(sql, 'charge.succeeded', { id: `ch_p_${Date.now()}`, object: 'charge', customer: c.id, amount: 4900, amount_captured: 4900, captured: true, currency: 'usd', status: 'succeeded', payment_intent: paid })
    await settle(sql)
    const rows = await sql`select payment_key, amount from billing.payment_metrics where customer_id = ${c.id}`
    expect(rows).toEqual([{ payment_key: `payment:${paid}`, amount: '4900' }])
  })

  test('a charge that did not succeed or was not captured collects nothing', async () => {
    const { c } = await subscribed()
    await handOver(sql, 'charge.succeeded', { id: `ch_u_${Date.now()}`, object: 'charge', customer: c.id, amount: 4900, amount_captured: 0, captured: false, currency: 'usd', status: 'succeeded', payment_intent: `pi_u_${Date.now()}` })
    await handOver(sql, 'charge.succeeded', { id: `ch_x_${Date.now()}`, object: 'charge', customer: c.id, amount: 4900, currency: 'usd', status: 'failed', payment_intent: `pi_x_${Date.now()}` })
    await settle(sql)
    expect(await sql`select payment_key from billing.payment_metrics where customer_id = ${c.id}`).toEqual([])
  })

  test('a refund subtracts once however many of its events arrive; a failed refund subtracts nothing, even before a late success', async () => {
    const { c, sub } = await subscribed()
    const pi = `pi_r_${Date.now()}`
    const refund = (id: string, status: string, amount = 1000) => ({ id, object: 'refund', amount, currency: 'usd', status, customer: c.id, payment_intent: pi, charge: `ch_${pi}`, created: Math.floor(Date.now() / 1000) })
    await handOver(sql, 'invoice.payment_succeeded', { ...invoice(c, sub.id), amount_paid: 4900, status: 'paid', payments: { data: [{ status: 'paid', amount_paid: 4900, payment: { type: 'payment_intent', payment_intent: pi } }] } })
    const [ok, bad] = [`re_ok_${Date.now()}`, `re_bad_${Date.now()}`]
    await handOver(sql, 'refund.created', refund(ok, 'succeeded'))
    await handOver(sql, 'refund.updated', refund(ok, 'succeeded'))
    await handOver(sql, 'refund.created', refund(ok, 'succeeded'))
    await handOver(sql, 'refund.created', refund(bad, 'pending', 500))
    await handOver(sql, 'refund.failed', refund(bad, 'failed', 500))
    await handOver(sql, 'refund.updated', refund(bad, 'succeeded', 500))
    await settle(sql)
    const rows = await sql`select payment_key, kind, amount, refunded_payment_key from billing.payment_metrics where customer_id = ${c.id} order by kind, payment_key`
    expect(rows).toEqual([
      { payment_key: `payment:${pi}`, kind: 'payment', amount: '4900', refunded_payment_key: null },
      { payment_key: `refund:${bad}`, kind: 'refund', amount: '0', refunded_payment_key: `payment:${pi}` },
      { payment_key: `refund:${ok}`, kind: 'refund', amount: '-1000', refunded_payment_key: `payment:${pi}` },
    ])
    const [net] = await sql`select sum(amount)::int as net from billing.payment_metrics where customer_id = ${c.id}`
    expect(net.net).toBe(3900)
  })

  test('a worker that died after sending an email but before recording the step sends nothing twice', async () => {
    const { c, org } = await subscribed()
    const [run] = await sql`select id from billing.workflow_runs where workflow_id = 'subscription-created' and event -> 'data' -> 'object' ->> 'customer' = ${c.id}`
    // As if the worker died right after the email step's side effect: its result was never stored.
    await sql`delete from billing.workflow_steps where run_id = ${run.id} and step_id = 'send-confirmation-email'`
    await sql`update billing.workflow_runs set status = 'running', lease_until = now() - interval '1 second' where id = ${run.id}`
    await settle(sql)
    expect(await outboxTo(sql, c.email)).toEqual([{ email_type: 'subscription_confirmation', status: 'sent', organization_id: org.id }])
    expect(await mailsTo(c.email)).toHaveLength(1)
    expect((await sql`select count(*)::int as n from public.organizations where stripe_customer_id = ${c.id}`)[0].n).toBe(1)
    expect((await sql`select count(*)::int as n from public.organization_members where organization_id = ${org.id}`)[0].n).toBe(1)
  })
})
