// The members page's API: members and pending invitations, inviting (the email goes through the outbox
// in the same transaction as the invitation, once per invitation and per resend), resend, revoke, accept,
// leave, remove and role changes. The rules live in SQL (migration 20261129205000); a refusal there is
// a 4xx here with its code (http.ts), and changes nothing.
import postgres from 'postgres'
import { inviteUrl } from '../app-urls.ts'
import { HttpError } from '../errors.ts'
import { enqueueEmail } from '../email/outbox.ts'
import { invitationEmailKey } from '../email/withdrawn.ts'
import type { Invitation, MembersView } from './api-types.ts'

type Role = MembersView['role']
import { asUser } from './as-user.ts'
import type { Caller } from './caller.ts'
import { notFound } from './errors.ts'
import { planUsage } from './usage.ts'

const iso = (v: Date | string | null) => (v ? new Date(v).toISOString() : null)

/** The organization's members, and (for admins) its pending invitations. */
export async function membersView(sql: postgres.Sql, caller: Caller, orgId: string): Promise<MembersView> {
  return await asUser(sql, caller, async (tx) => {
    const [org] = await tx`select o.id, o.name, (select m.role from public.organization_members m
      where m.organization_id = o.id and m.user_id = (select auth.uid())) as role from public.organizations o where o.id = ${orgId}`
    if (!org) throw notFound()
    const members = await tx`select m.user_id, p.email, p.full_name, m.role, m.created_at from public.organization_members m
      left join public.profiles p on p.id = m.user_id where m.organization_id = ${orgId} order by m.role, p.email`
    // RLS shows invitations to admins only; a member gets an empty list.
    const invitations = await tx`select id, email, role, expires_at, sent_count, created_at from public.organization_invitations
      where organization_id = ${orgId} and accepted_at is null and revoked_at is null order by created_at`
    const usage = await planUsage(tx, orgId)
    // Expired by the product's clock, the one accept_invitation uses (the service role's to read).
    await tx`reset role`
    const [{ now }] = await tx<{ now: Date }[]>`select billing.product_now() as now`
    return {
      organization: { id: org.id, name: org.name },
      role: org.role as Role,
      you: caller.userId,
      members: members.map((m) => ({ user_id: m.user_id, email: m.email, full_name: m.full_name, role: m.role as Role })),
      invitations: invitations.map((i) => toInvitation(i, now)),
      usage,
    }
  })
}

/** `now`: the product's clock; null for an invitation just (re)issued, valid for days yet. */
function toInvitation(i: postgres.Row, now: Date | null): Invitation {
  return {
    id: i.id,
    email: i.email,
    role: i.role,
    expires_at: iso(i.expires_at)!,
    sent_count: Number(i.sent_count),
    expired: now !== null && new Date(i.expires_at) <= new Date(now),
  }
}

/** Records the invitation email in the outbox, keyed by invitation and send, inside the caller's transaction. */
async function queueInvitationEmail(
  tx: postgres.TransactionSql,
  caller: Caller,
  orgId: string,
  sent: { id: string; token: string; expires_at: Date; sent_count: number },
) {
  const [ctx] = await tx`select o.name, coalesce(p.full_name, p.email) as inviter, i.email, i.role
    from public.organization_invitations i join public.organizations o on o.id = i.organization_id
    left join public.profiles p on p.id = ${caller.userId} where i.id = ${sent.id}`
  await tx`reset role`
  await enqueueEmail(tx, {
    type: 'invitation',
    to: ctx.email,
    organizationId: orgId,
    idempotencyKey: invitationEmailKey(sent.id, sent.sent_count),
    props: {
      organizationName: ctx.name,
      inviterName: ctx.inviter,
      role: ctx.role,
      expiresAt: new Date(sent.expires_at).toISOString(),
    },
    // The link carries the bearer token: kept in the outbox only until the email is sent.
    secretProps: { acceptUrl: inviteUrl(sent.token) },
  })
}

/** Two invitations of one address at once: the loser meets the one-pending index, not invite_member's check. */
function pendingRace(err: unknown): never {
  if (err instanceof postgres.PostgresError && err.code === '23505' && err.constraint_name === 'organization_invitations_one_pending_idx') {
    throw new HttpError(409, 'already_invited', 'That address has a pending invitation already: resend it instead.', { cause: err })
  }
  throw err
}

export async function invite(sql: postgres.Sql, caller: Caller, orgId: string, email: string, role: string): Promise<Invitation> {
  return await asUser(sql, caller, async (tx) => {
    const [row] = await tx`select invitation_id as id, token, expires_at from public.invite_member(${orgId}, ${email}, ${role})`.catch(pendingRace)
    const [inv] = await tx`select id, email, role, expires_at, sent_count from public.organization_invitations where id = ${row.id}`
    await queueInvitationEmail(tx, caller, orgId, { id: row.id, token: row.token, expires_at: row.expires_at, sent_count: 1 })
    return toInvitation(inv, null)
  })
}

export async function resend(sql: postgres.Sql, caller: Caller, orgId: string, invitationId: string): Promise<Invitation> {
  return await asUser(sql, caller, async (tx) => {
    await ownInvitation(tx, orgId, invitationId)
    const [row] = await tx`select invitation_id as id, token, expires_at, sent_count from public.resend_invitation(${invitationId})`
    const [inv] = await tx`select id, email, role, expires_at, sent_count from public.organization_invitations where id = ${row.id}`
    await queueInvitationEmail(tx, caller, orgId, row as never)
    return toInvitation(inv, null)
  })
}

export async function revoke(sql: postgres.Sql, caller: Caller, orgId: string, invitationId: string): Promise<void> {
  await asUser(sql, caller, async (tx) => {
    await ownInvitation(tx, orgId, invitationId)
    await tx`select public.revoke_invitation(${invitationId})`
  })
}

/** The invitation must belong to the organization in the path (an id from another one is not found). */
async function ownInvitation(tx: postgres.TransactionSql, orgId: string, invitationId: string) {
  const [hit] = await tx`select 1 from public.organization_invitations where id = ${invitationId} and organization_id = ${orgId}`
  if (!hit) throw notFoundInvitation()
}

const notFoundInvitation = () => new HttpError(404, 'invitation_not_found', 'No such invitation in an organization you administer.')

export async function accept(sql: postgres.Sql, caller: Caller, token: string): Promise<{ organization_id: string }> {
  return await asUser(sql, caller, async (tx) => {
    const [row] = await tx<{ id: string }[]>`select public.accept_invitation(${token}) as id`
    return { organization_id: row.id }
  })
}

export async function leave(sql: postgres.Sql, caller: Caller, orgId: string): Promise<void> {
  await asUser(sql, caller, (tx) => tx`select public.leave_organization(${orgId})`)
}

export async function removeMember(sql: postgres.Sql, caller: Caller, orgId: string, userId: string): Promise<void> {
  await asUser(sql, caller, (tx) => tx`select public.remove_member(${orgId}, ${userId})`)
}

export async function changeRole(sql: postgres.Sql, caller: Caller, orgId: string, userId: string, role: string): Promise<void> {
  await asUser(sql, caller, (tx) => tx`select public.change_member_role(${orgId}, ${userId}, ${role})`)
}
