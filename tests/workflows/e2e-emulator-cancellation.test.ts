// Cancellation driven by the Stripe emulator: the export link at the period end, the deletion 30 days later,
// and subscribing again before the deletion date cancels it.
// (How these run: tests/helpers/emulator-workflows.ts.)
import type Stripe from 'stripe'
import { beforeAll, describe, expect, test } from 'vitest'
import { DAY, emulatedCustomer, stripe } from '../helpers/stack-stripe.ts'
import { count, e2ePlans, now, subscribe } from '../helpers/emulator-workflows.ts'
import { mailsTo } from '../helpers/mail.ts'
import { uniq } from '../helpers/stack.ts'
import { orgOf, workflowFile } from '../helpers/workflow-file.ts'

const sql = workflowFile()
const tag = uniq('e2e')
let monthly: Stripe.Price
let thirtyDays: Stripe.Price
beforeAll(async () => {
  ;({ monthly, thirtyDays } = await e2ePlans(tag))
})

// Each test advances test clocks and settles the stack several times: a loaded machine needs more than 30 s.
describe('billing workflows driven by the Stripe emulator', { timeout: 180_000 }, () => {
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
    expect((await orgOf(sql, flow.customer.id)).billing_status).toBe('cancelled')
    await flow.advanceTo(periodEnd + 29 * DAY)
    expect((await orgOf(sql, flow.customer.id)).billing_status).toBe('cancelled')
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
    expect(await orgOf(sql, flow.customer.id)).toMatchObject({ id: flow.organizationId, billing_status: 'active', name: `Vandelay ${tag}` })
    const members = await sql`select user_id from public.organization_members where organization_id = ${flow.organizationId}`
    expect(members.map((m) => m.user_id)).toEqual([flow.userId])
  })
})
