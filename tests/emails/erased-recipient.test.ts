// An email still due when its organization's data is deleted (the GDPR deletion erases the outbox's
// address and props) is skipped with the reason recorded, not rendered into a permanent failure
// ("organizationName ... undefined"), and the other due emails of the round still go. One recorded after
// the deletion (migration 20261206100000) is written erased and skipped.
import { afterAll, describe, expect, test } from 'vitest'
import { deliverDueEmails, type EmailRequest } from '../../supabase/functions/_shared/email/outbox.ts'
import { useStackEnv } from '../helpers/billing.ts'
import { mailsTo } from '../helpers/mail.ts'
import { at, ownEmail as enqueueOwn } from '../helpers/outbox.ts'
import { adminSql, uniq } from '../helpers/stack.ts'

const sql = adminSql()
afterAll(() => sql.end())

// Due only in the year 3000 (at(0)) from the moment they are queued (one transaction), so the stack's own
// worker never delivers one before the test does (queued due now and moved after, one was open to it meanwhile).
const ownEmail = async (req: EmailRequest) => (await enqueueOwn(sql, req)).id

const props = { organizationName: 'Erased Co', paymentUrl: 'http://x.test/pay', updatePaymentUrl: 'http://x.test/billing' }

describe('emails of an organization whose data was deleted', () => {
  test('are skipped with the reason, while another organization\'s email of the same round is sent', async () => {
    useStackEnv()
    const [{ id: gone }] = await sql`insert into public.organizations (name) values (${uniq('Erased')}) returning id`
    const [{ id: kept }] = await sql`insert into public.organizations (name) values (${uniq('Kept')}) returning id`
    const erased = await ownEmail({ type: 'payment_reminder', to: `${uniq('gone')}@example.test`, organizationId: gone, idempotencyKey: uniq('erased'), props })
    const to = `${uniq('kept')}@example.test`
    const other = await ownEmail({ type: 'payment_reminder', to, organizationId: kept, idempotencyKey: uniq('kept'), props })
    const [{ deleted }] = await sql`select billing.service_role_delete_organization_data(${gone}::uuid) as deleted`
    expect(deleted).toBe(true)

    const report = await deliverDueEmails(sql, { ids: [erased, other], now: at(0) })
    expect(report).toEqual({ sent: [other], retrying: [], failed: [], stoppedBy: 'empty' })
    const [row] = await sql`select status, last_error, to_email, props from billing.email_outbox where id = ${erased}`
    expect(row).toEqual({ status: 'skipped', last_error: expect.stringMatching(/erased with the organization's personal data/), to_email: null, props: {} })
    expect(await mailsTo(to)).toHaveLength(1)
    // Skipped is final: a later round leaves it alone.
    expect(await deliverDueEmails(sql, { ids: [erased], now: at(0) })).toEqual({ sent: [], retrying: [], failed: [], stoppedBy: 'empty' })
  })

  test('one recorded after the deletion (a run in flight kept the address) is written erased and skipped, and never sent', async () => {
    useStackEnv()
    const to = `${uniq('late')}@example.test`
    const [{ id: gone }] = await sql`insert into public.organizations (name, billing_email) values (${uniq('Late')}, ${to}) returning id`
    const [{ deleted }] = await sql`select billing.service_role_delete_organization_data(${gone}::uuid) as deleted`
    expect(deleted).toBe(true)
    // What invoice-paid's receipt step records when its earlier step read the organization before the deletion.
    const late = await ownEmail({
      type: 'invitation', to, organizationId: gone, idempotencyKey: uniq('late'), props, secretProps: { acceptUrl: 'http://x.test/accept?token=secret' },
    })
    const [row] = await sql`select status, last_error, to_email, subject, props, secret_props from billing.email_outbox where id = ${late}`
    expect(row).toEqual({
      status: 'skipped', last_error: expect.stringMatching(/erased with the organization's personal data/), to_email: null, subject: null, props: {}, secret_props: null,
    })
    expect(await deliverDueEmails(sql, { ids: [late], now: at(0) })).toEqual({ sent: [], retrying: [], failed: [], stoppedBy: 'empty' })
    expect(await mailsTo(to, { atLeast: 0 })).toHaveLength(0)
    // Another organization's email recorded now is untouched.
    const [{ id: kept }] = await sql`insert into public.organizations (name) values (${uniq('Kept')}) returning id`
    const other = await ownEmail({ type: 'payment_reminder', to, organizationId: kept, idempotencyKey: uniq('kept'), props })
    expect((await sql`select status, to_email from billing.email_outbox where id = ${other}`)[0]).toEqual({ status: 'pending', to_email: to })
  })
})
