// The trial-ending reminder: once, 7 days ahead, and only while the subscription is still trialing. End to
// end from the sync's hand-off: the organization's state in Postgres and the emails in maildev, with the
// clock moved forward for the timed steps.
import { describe, expect, test } from 'vitest'
import { customerWithUser, days, handOver, mirror, outboxTo, settle, subscription } from '../helpers/billing.ts'
import { mailsTo } from '../helpers/mail.ts'
import { workflowFile } from '../helpers/workflow-file.ts'

const sql = workflowFile()

// Tests settle the stack (up to 45 s each, settle()) and often more than once: more than the 30 s default.
describe('billing workflows', { timeout: 120_000 }, () => {
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

  test('a trial reminder for a trial end Stripe no longer has sends nothing', async () => {
    const c = await customerWithUser(sql)
    const trialEnd = Math.floor(days(5).getTime() / 1000)
    const sub = subscription(c, { status: 'trialing', trial_end: trialEnd })
    await handOver(sql, 'customer.subscription.trial_will_end', sub)
    await mirror(sql, { ...sub, trial_end: trialEnd + 7 * 86_400 })
    await settle(sql)
    expect(await sql`select 1 from billing.email_outbox where idempotency_key = ${`trial_ending:${sub.id}:${trialEnd}`}`).toEqual([])
  })
})
