// Failed and paid invoices: the notice, the reminder 3 days on, the receipt, each from Stripe's current
// invoice, never twice. End to end from the sync's hand-off: the organization's state in Postgres and the
// emails in maildev, with the clock moved forward for the timed steps.
import { describe, expect, test } from 'vitest'
import { customerWithUser, days, handOver, invoice, mirror, outboxTo, settle, subscription } from '../helpers/billing.ts'
import { mailsTo } from '../helpers/mail.ts'
import { orgOf, subscribed, workflowFile } from '../helpers/workflow-file.ts'

const sql = workflowFile()

// Tests settle the stack (up to 45 s each, settle()) and often more than once: more than the 30 s default.
describe('billing workflows', { timeout: 120_000 }, () => {
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
    const { c, sub, org } = await subscribed(sql)
    const inv = invoice(c, sub.id)
    await sql`insert into public.stripe_invoices (id, customer_id, status, raw, stripe_fetched_at) values (${inv.id}, ${c.id}, 'open', '{}', now())`
    await handOver(sql, 'invoice.payment_failed', inv)
    await handOver(sql, 'invoice.payment_failed', { ...inv, attempt_count: 2 })
    await settle(sql)
    expect((await orgOf(sql, c.id)).billing_status).toBe('payment_failed')
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
    const { c, sub } = await subscribed(sql)
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
    expect((await orgOf(sql, c.id)).last_payment_at).not.toBeNull()
  })

  test('a failed-payment notice takes the amount, pay-by date and link from Stripe\'s invoice, not from an old event', async () => {
    const { c, sub } = await subscribed(sql)
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
    const { c, sub } = await subscribed(sql)
    const inv = invoice(c, sub.id)
    await mirror(sql, { ...inv, status: 'paid', amount_paid: 4900, status_transitions: { paid_at: Math.floor(Date.now() / 1000) } })
    await handOver(sql, 'invoice.payment_failed', inv, undefined, { mirror: false })
    await settle(sql)
    expect(await sql`select 1 from billing.email_outbox where idempotency_key = ${`payment_failed:${inv.id}`}`).toEqual([])
    expect((await orgOf(sql, c.id)).billing_status).toBe('active')
  })

  test('a receipt takes the number, amount and payment time from Stripe\'s invoice, not from the event', async () => {
    const { c, sub } = await subscribed(sql)
    const paidAt = Math.floor(Date.now() / 1000) - 3600
    const current = invoice(c, sub.id, { number: 'INV-CURRENT', status: 'paid', amount_paid: 4900, status_transitions: { paid_at: paidAt } })
    await mirror(sql, current)
    await handOver(sql, 'invoice.paid', { ...current, number: 'INV-STALE', amount_paid: 1, status_transitions: { paid_at: paidAt - 86_400 } }, undefined, { mirror: false })
    await settle(sql)
    const [row] = await sql`select props from billing.email_outbox where idempotency_key = ${`receipt:${current.id}`}`
    expect(row.props).toMatchObject({ invoiceNumber: 'INV-CURRENT', amountPaid: 4900, paidAt: new Date(paidAt * 1000).toISOString() })
  })

  test('a worker that died after sending an email but before recording the step sends nothing twice', async () => {
    const { c, org } = await subscribed(sql)
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
