// The members API against the stack's database: invite (the email recorded once in the outbox, with the
// accept link), resend (a new link, a second email, the first link dead), revoke, accept, leave, remove
// and roles; every refusal a 4xx in the one error shape with its code, and no row changed (malformed
// emails, members, unknown roles, non-admins, guessed and replayed tokens each have a case).
import { SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { handleBilling } from '../../supabase/functions/_shared/billing/handler.ts'
import type { BillingDeps } from '../../supabase/functions/_shared/billing/actions.ts'
import { deliverDueEmails } from '../../supabase/functions/_shared/email/outbox.ts'
import { stackAppUrl, useStackEnv } from '../helpers/billing.ts'
import { mailsTo } from '../helpers/mail.ts'
import { adminSql, stackProfile, uniq } from '../helpers/stack.ts'
import { shareProductClockForFile } from '../helpers/product-clock.ts'

// Invitations expire, and seats count pending ones, on the product's clock: no file moves it meanwhile.
shareProductClockForFile()

useStackEnv()
const sql = adminSql()
afterAll(() => sql.end())

interface User { id: string; email: string; token: string }
async function user(prefix: string): Promise<User> {
  const email = `${uniq(prefix)}@example.test`
  const [{ id }] = await sql`insert into auth.users (instance_id, id, aud, role, email, created_at, updated_at)
    values ('00000000-0000-0000-0000-000000000000', gen_random_uuid(), 'authenticated', 'authenticated', ${email}, now(), now()) returning id`
  const token = await new SignJWT({ sub: id, role: 'authenticated', aud: 'authenticated', email })
    .setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode(stackProfile.jwtSecret))
  return { id, email, token }
}

const deps = {
  sql, stripe: () => { throw new Error('no Stripe call expected') }, syncer: () => async () => undefined,
  appUrl: stackAppUrl, apiUrl: 'http://127.0.0.1:54321', exportSecret: 'not-used-here', jwt: { secret: stackProfile.jwtSecret },
} as unknown as BillingDeps & { jwt: { secret: string } }

async function call(who: User, method: string, path: string, body?: unknown) {
  const headers = { authorization: `Bearer ${who.token}`, ...(body ? { 'content-type': 'application/json' } : {}) }
  const res = await handleBilling(new Request(`http://local/functions/v1/billing${path}`, { method, headers, body: body ? JSON.stringify(body) : undefined }), deps)
  return { status: res.status, body: await res.json() }
}

const outbox = (invitationId: string) => sql<{ id: string; idempotency_key: string; to_email: string; status: string; props: Record<string, unknown> }[]>`
  select id, idempotency_key, to_email, status, props from billing.email_outbox where idempotency_key like ${`invitation:${invitationId}:%`} order by idempotency_key`

/**
 * The accept token of an invitation's `send`-th email, as the invitee receives it: the outbox keeps the link
 * only until the email is sent, so the test sends it (or finds it sent by the stack's drain job) and reads maildev.
 */
async function tokenMailed(invitationId: string, send = 1): Promise<string> {
  const [row] = await sql<{ id: string; to_email: string }[]>`select id, to_email from billing.email_outbox
    where idempotency_key = ${`invitation:${invitationId}:${send}`}`
  await deliverDueEmails(sql, { ids: [row.id] })
  const mails = await mailsTo(row.to_email, { atLeast: send, timeoutMs: 30_000 })
  return /\/invite\/([0-9a-f]{64})/.exec(mails[send - 1].text)![1]
}
const counts = async (org: string) => (await sql`select (select count(*)::int from public.organization_members where organization_id = ${org}) as members,
  (select count(*)::int from public.organization_invitations where organization_id = ${org}) as invitations,
  (select count(*)::int from billing.email_outbox where organization_id = ${org} and email_type = 'invitation') as emails`)[0]

let admin: User, member: User, outsider: User, org: string
beforeAll(async () => {
  admin = await user('inv-admin')
  member = await user('inv-member')
  outsider = await user('inv-outsider')
  const created = await call(admin, 'POST', '/organizations', { name: uniq('Invites Co') })
  org = created.body.organization.id
  await sql`insert into public.organization_members (organization_id, user_id, role) values (${org}, ${member.id}, 'member')`
})

describe('invitations through the billing API', () => {
  test('an invitation is answered 201, and its email (with the accept link) is in the outbox once', async () => {
    const res = await call(admin, 'POST', `/organizations/${org}/invitations`, { email: `${uniq('new')}@Example.test`, role: 'member' })
    expect(res.status).toBe(201)
    const mails = await outbox(res.body.invitation.id)
    expect(mails.map((m) => m.idempotency_key)).toEqual([`invitation:${res.body.invitation.id}:1`])
    expect(mails[0].to_email).toBe(res.body.invitation.email)
    const token = await tokenMailed(res.body.invitation.id)
    const [mail] = await mailsTo(mails[0].to_email)
    expect(mail.text).toContain(`${stackAppUrl}/invite/${token}`)
    expect(JSON.stringify(res.body)).not.toContain(token)
  })

  test('the accept link is in the outbox only until the email is sent; the hashed token is its only durable form', async () => {
    const res = await call(admin, 'POST', `/organizations/${org}/invitations`, { email: `${uniq('leak')}@example.test`, role: 'member' })
    const [queued] = await sql`select status, props, secret_props from billing.email_outbox where idempotency_key = ${`invitation:${res.body.invitation.id}:1`}`
    expect(JSON.stringify(queued.props)).not.toMatch(/invite\//)
    // Pending (unless the stack's drain job sent it meanwhile), the link waits in secret_props alone.
    if (queued.status === 'pending') expect(queued.secret_props.acceptUrl).toMatch(new RegExp(`^${stackAppUrl}/invite/[0-9a-f]{64}$`))
    const token = await tokenMailed(res.body.invitation.id)
    const [row] = await sql`select status, to_jsonb(o)::text as whole from billing.email_outbox o where idempotency_key = ${`invitation:${res.body.invitation.id}:1`}`
    expect(row.status).toBe('sent')
    expect(row.whole).not.toContain(token)
    const [{ stored }] = await sql`select token_hash = encode(sha256(convert_to(${token}, 'utf8')), 'hex') as stored
      from public.organization_invitations where id = ${res.body.invitation.id}`
    expect(stored).toBe(true)
  })

  // `<member>` stands for the existing member's address, written as the admin might type it.
  test.each([
    ['a malformed email', () => admin, { email: 'not-an-email', role: 'member' }, 422, 'invalid_email'],
    ['an email with two @', () => admin, { email: 'two@@example.test', role: 'member' }, 422, 'invalid_email'],
    ['an email without a domain', () => admin, { email: 'nobody@', role: 'member' }, 422, 'invalid_email'],
    ['an email with a space inside', () => admin, { email: 'has space@example.test', role: 'member' }, 422, 'invalid_email'],
    ['an empty email', () => admin, { email: '', role: 'member' }, 422, 'invalid_email'],
    ['an email longer than 320 characters', () => admin, { email: `${'a'.repeat(310)}@example.test`, role: 'member' }, 422, 'invalid_body'],
    ['no email at all', () => admin, { role: 'member' }, 422, 'invalid_body'],
    ['an email that is not a string', () => admin, { email: 42, role: 'member' }, 422, 'invalid_body'],
    ['an unknown role', () => admin, { email: 'someone@example.test', role: 'owner' }, 422, 'unknown_role'],
    ['a role in the wrong case', () => admin, { email: 'someone@example.test', role: 'Admin' }, 422, 'unknown_role'],
    ['an empty role', () => admin, { email: 'someone@example.test', role: '' }, 422, 'unknown_role'],
    ['a role that is not a string', () => admin, { email: 'someone@example.test', role: ['admin'] }, 422, 'invalid_body'],
    ['an existing member', () => admin, { email: '<member>', role: 'member' }, 409, 'already_member'],
    ['an existing member, typed in capitals with spaces', () => admin, { email: ' <MEMBER> ', role: 'member' }, 409, 'already_member'],
    ['the admin inviting themself', () => admin, { email: '<admin>', role: 'admin' }, 409, 'already_member'],
    ['a non-admin inviting', () => member, { email: 'someone@example.test', role: 'member' }, 403, 'admins_only'],
    ['someone outside the organization inviting', () => outsider, { email: 'someone@example.test', role: 'member' }, 403, 'admins_only'],
  ])('%s is refused with its reason and changes nothing', async (_what, who, body, status, code) => {
    const before = await counts(org)
    const given: Record<string, unknown> = body
    const email = typeof given.email === 'string'
      ? given.email.replace('<member>', member.email).replace('<MEMBER>', member.email.toUpperCase()).replace('<admin>', admin.email)
      : given.email
    const res = await call(who(), 'POST', `/organizations/${org}/invitations`, { ...given, email })
    expect(res.status).toBe(status)
    expect(res.body.error.code).toBe(code)
    expect(res.body.error.message.length).toBeGreaterThan(10)
    expect(await counts(org)).toEqual(before)
  })

  test('resend sends a second email with a new link; the first link no longer works; accepting joins once', async () => {
    const invitee = await user('invitee')
    const { body } = await call(admin, 'POST', `/organizations/${org}/invitations`, { email: invitee.email, role: 'admin' })
    const first = await tokenMailed(body.invitation.id, 1)
    const again = await call(admin, 'POST', `/organizations/${org}/invitations/${body.invitation.id}/resend`)
    expect(again.status).toBe(200)
    expect(again.body.invitation.sent_count).toBe(2)
    const second = await tokenMailed(body.invitation.id, 2)
    expect((await outbox(body.invitation.id)).map((m) => m.idempotency_key)).toEqual([1, 2].map((n) => `invitation:${body.invitation.id}:${n}`))
    expect(second).not.toBe(first)
    const old = await call(invitee, 'POST', '/invitations/accept', { token: first })
    expect([old.status, old.body.error.code]).toEqual([404, 'invitation_not_found'])
    const ok = await call(invitee, 'POST', '/invitations/accept', { token: second })
    expect(ok).toEqual({ status: 200, body: { organization_id: org } })
    const twice = await call(invitee, 'POST', '/invitations/accept', { token: second })
    expect([twice.status, twice.body.error.code]).toEqual([409, 'invitation_used'])
    const [{ role }] = await sql`select role from public.organization_members where organization_id = ${org} and user_id = ${invitee.id}`
    expect(role).toBe('admin')
  })

  test('a link used by another signed-in email is refused and nobody joins', async () => {
    const { body } = await call(admin, 'POST', `/organizations/${org}/invitations`, { email: `${uniq('meant')}@example.test` })
    const token = await tokenMailed(body.invitation.id)
    const stranger = await user('stranger')
    const res = await call(stranger, 'POST', '/invitations/accept', { token })
    expect([res.status, res.body.error.code]).toEqual([403, 'invitation_for_another_email'])
    expect(await sql`select 1 from public.organization_members where user_id = ${stranger.id}`).toHaveLength(0)
  })

  test('a guessed, altered, malformed or replayed token is refused with its reason and changes nothing', async () => {
    const invitee = await user('replay')
    const stranger = await user('guesser')
    const { body } = await call(admin, 'POST', `/organizations/${org}/invitations`, { email: invitee.email })
    const token = await tokenMailed(body.invitation.id)
    expect((await call(invitee, 'POST', '/invitations/accept', { token })).status).toBe(200)
    const rows = async () => (await sql`select (select jsonb_agg(m order by m.user_id) from public.organization_members m where m.organization_id = ${org}) as members,
      (select jsonb_agg(i order by i.id) from public.organization_invitations i where i.organization_id = ${org}) as invitations,
      (select count(*)::int from public.organization_members where user_id = ${stranger.id}) as stranger_memberships`)[0]
    const before = await rows()
    const altered = token.slice(0, -1) + (token.endsWith('0') ? '1' : '0')
    const cases: [User, unknown, number, string][] = [
      [stranger, { token: [...crypto.getRandomValues(new Uint8Array(32))].map((b) => b.toString(16).padStart(2, '0')).join('') }, 404, 'invitation_not_found'],
      [invitee, { token: altered }, 404, 'invitation_not_found'],
      [stranger, { token: '' }, 422, 'invalid_body'],
      [stranger, { token: 'f'.repeat(201) }, 422, 'invalid_body'],
      [stranger, { token: 42 }, 422, 'invalid_body'],
      [stranger, {}, 422, 'invalid_body'],
      [invitee, { token }, 409, 'invitation_used'],
      [stranger, { token }, 409, 'invitation_used'],
    ]
    for (const [who, payload, status, code] of cases) {
      const res = await call(who, 'POST', '/invitations/accept', payload)
      expect([res.status, res.body.error.code], JSON.stringify(payload)).toEqual([status, code])
      expect(res.body.error.message.length).toBeGreaterThan(10)
    }
    expect(await rows()).toEqual(before)
  })

  test('a revoked invitation leaves the pending list and its link is refused', async () => {
    const invitee = await user('revoked')
    const { body } = await call(admin, 'POST', `/organizations/${org}/invitations`, { email: invitee.email })
    // Mailed before the revocation (an email still waiting when it is revoked is never sent: invitation-withdrawn.test.ts).
    const token = await tokenMailed(body.invitation.id)
    expect((await call(admin, 'POST', `/organizations/${org}/invitations/${body.invitation.id}/revoke`)).status).toBe(200)
    const view = await call(admin, 'GET', `/organizations/${org}/members`)
    expect(view.body.invitations.map((i: { id: string }) => i.id)).not.toContain(body.invitation.id)
    const res = await call(invitee, 'POST', '/invitations/accept', { token })
    expect([res.status, res.body.error.code]).toEqual([409, 'invitation_revoked'])
    const again = await call(admin, 'POST', `/organizations/${org}/invitations/${body.invitation.id}/revoke`)
    expect([again.status, again.body.error.code]).toEqual([409, 'invitation_not_pending'])
  })

  test('a member sees the members but not the invitations, and cannot resend or revoke', async () => {
    const view = await call(member, 'GET', `/organizations/${org}/members`)
    expect(view.status).toBe(200)
    expect(view.body.role).toBe('member')
    expect(view.body.invitations).toEqual([])
    // The seats a member sees count the invitations they cannot see (no plan here: seats unlimited).
    const [{ seats }] = await sql`select billing._seats_in_use(${org}) as seats`
    expect(view.body.usage[0]).toEqual({ name: 'seats', in_use: seats, limit: null, over_by: 0 })
    const { body } = await call(admin, 'POST', `/organizations/${org}/invitations`, { email: `${uniq('pending')}@example.test` })
    const res = await call(member, 'POST', `/organizations/${org}/invitations/${body.invitation.id}/resend`)
    expect([res.status, res.body.error.code]).toEqual([404, 'invitation_not_found'])
    expect(await outbox(body.invitation.id)).toHaveLength(1)
  })

  test('an invitation of an address being invited at the same moment is a 409 already_invited, not a 500', async () => {
    const to = `${uniq('race')}@example.test`
    const other = adminSql()
    let answer: Promise<{ status: number; body: { error: { code: string } } }> | undefined
    // A first invitation, uncommitted on another connection; the API's own then waits on the one-pending index.
    await other.begin(async (tx) => {
      await tx`select set_config('request.jwt.claims', ${JSON.stringify({ sub: admin.id, role: 'authenticated' })}, true)`
      await tx`set local role authenticated`
      await tx`select * from public.invite_member(${org}, ${to}, 'member')`
      answer = call(admin, 'POST', `/organizations/${org}/invitations`, { email: to })
      await expect.poll(async () => (await sql`select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query like '%invite_member%'`)[0].n,
        { timeout: 20_000 }).toBe(1)
    })
    await other.end()
    const res = await answer!
    expect([res.status, res.body.error.code]).toEqual([409, 'already_invited'])
    const [{ n }] = await sql`select count(*)::int as n from billing.email_outbox where to_email = ${to}`
    expect(n).toBe(0)
  })

  test('an invitation whose link expired is listed as expired, and a resend makes it valid again', async () => {
    const { body } = await call(admin, 'POST', `/organizations/${org}/invitations`, { email: `${uniq('late')}@example.test` })
    await sql`update public.organization_invitations set expires_at = now() - interval '1 minute' where id = ${body.invitation.id}`
    const listed = (id: string) => call(admin, 'GET', `/organizations/${org}/members`).then((r) => r.body.invitations.find((i: { id: string }) => i.id === id))
    expect((await listed(body.invitation.id)).expired).toBe(true)
    await call(admin, 'POST', `/organizations/${org}/invitations/${body.invitation.id}/resend`)
    expect((await listed(body.invitation.id)).expired).toBe(false)
  })

  test('an invitation id that is not a uuid is a 404, not a 500', async () => {
    const res = await call(admin, 'POST', `/organizations/${org}/invitations/nope/resend`)
    expect([res.status, res.body.error.code]).toEqual([404, 'not_found'])
  })
})

describe('members through the billing API', () => {
  test('the last admin can neither leave nor be demoted; after promoting a member, they can', async () => {
    const solo = await user('solo')
    const other = await user('other')
    const { body } = await call(solo, 'POST', '/organizations', { name: uniq('Solo Co') })
    const id = body.organization.id
    await sql`insert into public.organization_members (organization_id, user_id, role) values (${id}, ${other.id}, 'member')`
    const leave = await call(solo, 'POST', `/organizations/${id}/leave`)
    expect([leave.status, leave.body.error.code]).toEqual([409, 'last_admin'])
    const demote = await call(solo, 'POST', `/organizations/${id}/members/${solo.id}/role`, { role: 'member' })
    expect([demote.status, demote.body.error.code]).toEqual([409, 'last_admin'])
    const promote = await call(solo, 'POST', `/organizations/${id}/members/${other.id}/role`, { role: 'admin' })
    expect(promote.status).toBe(200)
    expect((await call(solo, 'POST', `/organizations/${id}/leave`)).status).toBe(200)
    expect(await sql`select user_id, role from public.organization_members where organization_id = ${id}`).toEqual([{ user_id: other.id, role: 'admin' }])
  })

  test('an admin removes a member; a member cannot remove anyone', async () => {
    const a = await user('rm-admin')
    const m = await user('rm-member')
    const { body } = await call(a, 'POST', '/organizations', { name: uniq('Remove Co') })
    const id = body.organization.id
    await sql`insert into public.organization_members (organization_id, user_id, role) values (${id}, ${m.id}, 'member')`
    const refused = await call(m, 'POST', `/organizations/${id}/members/${a.id}/remove`)
    expect([refused.status, refused.body.error.code]).toEqual([403, 'admins_only'])
    const removed = await call(a, 'POST', `/organizations/${id}/members/${m.id}/remove`)
    expect(removed.status).toBe(200)
    expect(removed.body.members.map((x: { user_id: string }) => x.user_id)).toEqual([a.id])
  })
})
