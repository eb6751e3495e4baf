// Cancellation: scheduled, resumed and ended subscriptions, the export link, and the deletion 30 days on.
// End to end from the sync's hand-off: the organization's state in Postgres and the emails in maildev, with
// the clock moved forward for the timed steps.
import { describe, expect, test } from 'vitest'
import { customerWithUser, days, handOver, invoice, mirror, settle, stackAppUrl, subscription } from '../helpers/billing.ts'
import { mailsTo } from '../helpers/mail.ts'
import { orgOf, subscribed, workflowFile } from '../helpers/workflow-file.ts'

const sql = workflowFile()

// Tests settle the stack (up to 45 s each, settle()) and often more than once: more than the 30 s default.
describe('billing workflows', { timeout: 120_000 }, () => {
  test('a cancelled subscription sends the export link, and the organization\'s data is deleted 30 days later', async () => {
    const { c, sub } = await subscribed(sql)
    await handOver(sql, 'customer.subscription.deleted', { ...sub, status: 'canceled', ended_at: Math.floor(Date.now() / 1000) })
    await settle(sql)
    const org = await orgOf(sql, c.id)
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
    expect((await orgOf(sql, c.id)).billing_status).toBe('cancelled')
    await settle(sql, days(30.1))
    const after = await sql`select billing_status, name from public.organizations where id = ${org.id}`
    expect(after[0]).toEqual({ billing_status: 'deleted', name: 'Deleted organization' })
  })

  test('subscribing again within 30 days cancels the scheduled deletion', async () => {
    const { c, sub } = await subscribed(sql)
    await handOver(sql, 'customer.subscription.deleted', { ...sub, status: 'canceled' })
    await settle(sql)
    await handOver(sql, 'customer.subscription.created', subscription(c))
    await settle(sql, days(31))
    // The subscription-created workflow made the organization active again (not the test), and its data stays.
    expect(await orgOf(sql, c.id)).toMatchObject({ billing_status: 'active', name: 'Acme Test' })
    const [event] = await sql`select cancelled_at from billing.workflow_events where name = 'data/deletion.scheduled' and data ->> 'customerId' = ${c.id}`
    expect(event.cancelled_at).not.toBeNull()
  })

  test('a subscription that ends while another of the customer\'s is live (a plan switch) sends no cancellation', async () => {
    const { c, sub, org } = await subscribed(sql)
    const next = subscription(c)
    await handOver(sql, 'customer.subscription.created', next)
    await handOver(sql, 'customer.subscription.deleted', { ...sub, status: 'canceled' })
    await settle(sql)
    const [run] = await sql`select status, result from billing.workflow_runs where workflow_id = 'subscription-cancelled' and trigger_key = ${`subscription:${sub.id}`}`
    expect(run).toMatchObject({ status: 'completed', result: { skipped: expect.stringContaining('is live') } })
    expect(await sql`select id from billing.email_outbox where organization_id = ${org.id} and email_type = 'subscription_cancelled'`).toEqual([])
  })

  test('a declined attempt to subscribe again does not cancel the scheduled deletion', async () => {
    const { c, sub } = await subscribed(sql)
    await handOver(sql, 'customer.subscription.deleted', { ...sub, status: 'canceled' })
    await settle(sql)
    await handOver(sql, 'customer.subscription.created', subscription(c, { status: 'incomplete' }))
    const [event] = await sql`select cancelled_at from billing.workflow_events where name = 'data/deletion.scheduled' and data ->> 'customerId' = ${c.id}`
    expect(event.cancelled_at).toBeNull()
  })

  test('the deletion date counts from the subscription\'s ended_at as Stripe has it, and the export link outlives the cancellation', async () => {
    const { c, sub } = await subscribed(sql)
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
    const { c, sub, org } = await subscribed(sql)
    const endsAt = Math.floor(days(20).getTime() / 1000)
    const scheduled = { ...sub, cancel_at_period_end: true, cancel_at: endsAt, canceled_at: Math.floor(Date.now() / 1000) }
    await handOver(sql, 'customer.subscription.updated', scheduled, { cancel_at_period_end: false, cancel_at: null, canceled_at: null })
    await handOver(sql, 'customer.subscription.updated', scheduled, { cancel_at_period_end: false, cancel_at: null, canceled_at: null })
    await handOver(sql, 'customer.subscription.updated', { ...scheduled, metadata: { note: 'x' } }, { metadata: {} })
    await settle(sql)
    const rows = await sql`select props from billing.email_outbox where organization_id = ${org.id} and email_type = 'cancellation_scheduled'`
    expect(rows).toHaveLength(1)
    expect(rows[0].props).toMatchObject({ endsAt: new Date(endsAt * 1000).toISOString(), resumeUrl: `${stackAppUrl}/billing/${org.id}` })
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
    const org = await orgOf(sql, c.id)
    const rows = await sql`select 1 from billing.email_outbox where organization_id = ${org.id} and email_type = 'cancellation_scheduled'`
    expect(rows).toHaveLength(1)
  })

  test('a cancellation resumed before its run reads Stripe sends no confirmation', async () => {
    const { sub, org } = await subscribed(sql)
    const scheduled = { ...sub, cancel_at_period_end: true, cancel_at: Math.floor(days(20).getTime() / 1000), canceled_at: Math.floor(Date.now() / 1000) }
    await handOver(sql, 'customer.subscription.updated', scheduled, { cancel_at_period_end: false, cancel_at: null, canceled_at: null })
    await mirror(sql, { ...sub, cancel_at_period_end: false, cancel_at: null, canceled_at: null })
    await settle(sql)
    expect(await sql`select 1 from billing.email_outbox where organization_id = ${org.id} and email_type = 'cancellation_scheduled'`).toEqual([])
  })

  test('resuming a scheduled cancellation sends one confirmation per withdrawn request, however often its event comes', async () => {
    const { c, sub, org } = await subscribed(sql)
    const requested = Math.floor(Date.now() / 1000) - 60
    const wasEnding = { cancel_at_period_end: true, cancel_at: Math.floor(days(20).getTime() / 1000), canceled_at: requested }
    await handOver(sql, 'customer.subscription.updated', sub, wasEnding)
    await handOver(sql, 'customer.subscription.updated', sub, wasEnding)
    await handOver(sql, 'customer.subscription.updated', { ...sub, metadata: { note: 'x' } }, { metadata: {} })
    await settle(sql)
    const rows = await sql`select props from billing.email_outbox where organization_id = ${org.id} and email_type = 'subscription_resumed'`
    expect(rows).toHaveLength(1)
    expect(rows[0].props).toMatchObject({ manageBillingUrl: `${stackAppUrl}/billing/${org.id}` })
    const [mail] = (await mailsTo(c.email, { atLeast: 2 })).filter((m) => m.subject === 'Your subscription continues')
    expect(mail.text).toContain('has been withdrawn')
    // A later request withdrawn again is a new fact: a second confirmation.
    await handOver(sql, 'customer.subscription.updated', sub, { ...wasEnding, canceled_at: requested + 30 })
    await settle(sql)
    expect(await sql`select 1 from billing.email_outbox where organization_id = ${org.id} and email_type = 'subscription_resumed'`).toHaveLength(2)
  })

  test('a resume whose subscription is set to end again before the run reads Stripe sends no confirmation', async () => {
    const { sub, org } = await subscribed(sql)
    await handOver(sql, 'customer.subscription.updated', sub, { cancel_at_period_end: true, cancel_at: Math.floor(days(20).getTime() / 1000), canceled_at: Math.floor(Date.now() / 1000) })
    await mirror(sql, { ...sub, cancel_at_period_end: true, cancel_at: Math.floor(days(20).getTime() / 1000), canceled_at: Math.floor(Date.now() / 1000) + 5 })
    await settle(sql)
    expect(await sql`select 1 from billing.email_outbox where organization_id = ${org.id} and email_type = 'subscription_resumed'`).toEqual([])
  })

  test('a subscription ended by failed payments gets an email that says so, with what is unpaid and how to come back', async () => {
    const { c, sub, org } = await subscribed(sql)
    const unpaid = invoice(c, sub.id, { amount_remaining: 4900, hosted_invoice_url: 'http://127.0.0.1:12111/invoice/in_unpaid' })
    await mirror(sql, unpaid)
    const ended = { ...sub, status: 'canceled', ended_at: Math.floor(Date.now() / 1000), cancellation_details: { reason: 'payment_failed' } }
    await handOver(sql, 'customer.subscription.deleted', ended)
    await settle(sql)
    const [row] = await sql`select subject, props from billing.email_outbox where organization_id = ${org.id} and email_type = 'subscription_cancelled'`
    expect(row.subject).toBe('Your subscription has ended: payment failed')
    expect(row.props).toMatchObject({ reason: 'payment_failed', unpaidAmount: 4900, currency: 'usd', unpaidInvoiceUrl: 'http://127.0.0.1:12111/invoice/in_unpaid', resubscribeUrl: `${stackAppUrl}/billing/${org.id}` })
  })
})
