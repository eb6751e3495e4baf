// The organization a subscription makes and keeps in step with its Stripe customer: admin, name, billing
// email, and the welcome. End to end from the sync's hand-off: the organization's state in Postgres and the
// emails in maildev, with the clock moved forward for the timed steps.
import { describe, expect, test } from 'vitest'
import { customerWithUser, handOver, mirror, outboxTo, settle, subscription } from '../helpers/billing.ts'
import { mailsTo } from '../helpers/mail.ts'
import { orgOf, subscribed, workflowFile } from '../helpers/workflow-file.ts'

const sql = workflowFile()

// Tests settle the stack (up to 45 s each, settle()) and often more than once: more than the 30 s default.
describe('billing workflows', { timeout: 120_000 }, () => {
  test('a new subscription creates the organization, makes the customer\'s user its admin and sends one confirmation', async () => {
    const { c, org } = await subscribed(sql, 'Initech')
    expect(org).toMatchObject({ name: 'Initech', billing_email: c.email })
    const [m] = await sql`select role from public.organization_members where organization_id = ${org.id} and user_id = ${c.userId}`
    expect(m.role).toBe('admin')
    const mails = await mailsTo(c.email)
    expect(mails).toHaveLength(1)
    expect(mails[0].subject).toBe('Welcome to Pro monthly, Initech')
    expect(mails[0].text).toContain('billed monthly')
  })

  test('the welcome greets the person by their profile\'s name, never by the Stripe customer\'s (the organization\'s billing name)', async () => {
    const { c } = await subscribed(sql, 'Globex Billing Dept')
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
    expect(await orgOf(sql, c.id)).toBeUndefined()
    expect(await outboxTo(sql, c.email)).toEqual([])
    const [run] = await sql`select status, result from billing.workflow_runs where workflow_id = 'subscription-created' and event -> 'data' ->> 'customerId' = ${c.id}`
    expect(run).toMatchObject({ status: 'completed', result: { skipped: expect.stringContaining('Stripe has no subscription') } })
  })

  test('a customer whose name and email changed renames the organization and changes its billing email, never the owner\'s profile', async () => {
    const { c } = await subscribed(sql, 'Old Name')
    const email = `billing-${c.email}`
    await handOver(sql, 'customer.updated', { id: c.id, object: 'customer', name: 'New Name', email }, { name: 'Old Name', email: c.email })
    await settle(sql)
    expect(await orgOf(sql, c.id)).toMatchObject({ name: 'New Name', billing_email: email })
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
    const { c } = await subscribed(sql, 'Before Co')
    await mirror(sql, { id: c.id, object: 'customer', name: 'Current Co', email: `current-${c.email}` })
    await handOver(sql, 'customer.updated', { id: c.id, object: 'customer', name: 'Stale Co', email: `stale-${c.email}` }, { name: 'Before Co', email: c.email }, { mirror: false })
    await settle(sql)
    expect(await orgOf(sql, c.id)).toMatchObject({ name: 'Current Co', billing_email: `current-${c.email}` })
  })
})
