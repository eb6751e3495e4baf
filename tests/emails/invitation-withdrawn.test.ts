// An invitation email still waiting in the outbox when its invitation is revoked, accepted, sent again
// (a new link) or expires is skipped with the reason recorded: its link no longer works. A pending
// invitation's email in the same round still goes.
import { randomBytes } from 'node:crypto'
import { afterAll, describe, expect, test } from 'vitest'
import { deliverDueEmails } from '../../supabase/functions/_shared/email/outbox.ts'
import { invitationEmailKey } from '../../supabase/functions/_shared/email/withdrawn.ts'
import { useStackEnv } from '../helpers/billing.ts'
import { mailsTo } from '../helpers/mail.ts'
import { ownEmail } from '../helpers/outbox.ts'
import { adminSql, uniq } from '../helpers/stack.ts'
import { shareProductClockForFile } from '../helpers/product-clock.ts'

// Invitations expire, and seats count pending ones, on the product's clock: no file moves it meanwhile.
shareProductClockForFile()

const sql = adminSql()
afterAll(() => sql.end())

// Due only in the year 3000, so the stack's own worker never delivers these before the test does; the
// invitations' expiry is read on the product clock, so a live one expires in 2999.
const FAR = new Date('3000-01-01T00:00:00Z')
const LIVE = new Date('2999-01-01T00:00:00Z')

interface Invite { org: string; email: string; expiresAt?: Date; sentCount?: number; revoked?: boolean; accepted?: boolean }

/** An invitation and its `send`-th email (default: its latest), recorded as members.ts records them. */
async function invitationEmail(inv: Invite, send = inv.sentCount ?? 1): Promise<string> {
  const [{ id }] = await sql`insert into public.organization_invitations (organization_id, email, token_hash, expires_at, sent_count, revoked_at, accepted_at)
    values (${inv.org}, ${inv.email}, ${randomBytes(32).toString('hex')}, ${inv.expiresAt ?? LIVE}, ${inv.sentCount ?? 1},
      ${inv.revoked ? new Date() : null}, ${inv.accepted ? new Date() : null}) returning id`
  return emailOf(id, inv, send)
}

async function emailOf(invitationId: string, inv: Invite, send: number): Promise<string> {
  // Queued and moved to the year 3000 in one transaction: the stack's worker never sees it due now.
  const row = await ownEmail(sql, {
    type: 'invitation', to: inv.email, organizationId: inv.org, idempotencyKey: invitationEmailKey(invitationId, send),
    props: { organizationName: 'Invite Co', role: 'member', expiresAt: LIVE.toISOString() },
    secretProps: { acceptUrl: `http://127.0.0.1:3000/invite/${'a'.repeat(64)}` },
  })
  return row.id
}

const outboxRow = async (id: string) => (await sql`select status, last_error, secret_props from billing.email_outbox where id = ${id}`)[0]

describe('an invitation email the outbox reaches after the invitation changed', () => {
  test('is skipped with the reason when revoked, accepted, resent or expired; a pending one is sent', { timeout: 60_000 }, async () => {
    useStackEnv()
    const [{ id: org }] = await sql`insert into public.organizations (name) values (${uniq('Invite Co')}) returning id`
    const to = (what: string) => `${uniq(what)}@example.test`
    const pending = { org, email: to('pending') }
    const ok = await invitationEmail(pending)
    const withdrawn = {
      revoked: await invitationEmail({ org, email: to('revoked'), revoked: true }),
      accepted: await invitationEmail({ org, email: to('accepted'), accepted: true }),
      expired: await invitationEmail({ org, email: to('expired'), expiresAt: new Date(Date.now() - 86_400_000) }),
      // Sent twice: the first email's link was replaced by the second's.
      'sent again': await invitationEmail({ org, email: to('resent'), sentCount: 2 }, 1),
    }

    const report = await deliverDueEmails(sql, { ids: [ok, ...Object.values(withdrawn)], now: FAR })
    expect(report).toEqual({ sent: [ok], retrying: [], failed: [], stoppedBy: 'empty' })
    expect(await mailsTo(pending.email, { timeoutMs: 30_000 })).toHaveLength(1)
    for (const [why, id] of Object.entries(withdrawn)) {
      // Skipped before any send (delivery marks a sent email before it returns): no mail left, and the link is forgotten.
      expect(await outboxRow(id), why).toEqual({ status: 'skipped', last_error: expect.stringMatching(new RegExp(`^not sent: the invitation .*${why}`)), secret_props: null })
    }
    // Skipped is final: a later round leaves them alone.
    expect(await deliverDueEmails(sql, { ids: Object.values(withdrawn), now: FAR })).toEqual({ sent: [], retrying: [], failed: [], stoppedBy: 'empty' })
  })

  test('the latest email of a resent invitation still goes', { timeout: 60_000 }, async () => {
    useStackEnv()
    const [{ id: org }] = await sql`insert into public.organizations (name) values (${uniq('Invite Co')}) returning id`
    const inv = { org, email: `${uniq('resent')}@example.test`, sentCount: 2 }
    const latest = await invitationEmail(inv)
    expect(await deliverDueEmails(sql, { ids: [latest], now: FAR })).toEqual({ sent: [latest], retrying: [], failed: [], stoppedBy: 'empty' })
    expect(await outboxRow(latest)).toEqual({ status: 'sent', last_error: null, secret_props: null })
  })
})
