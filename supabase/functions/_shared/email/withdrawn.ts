// An invitation email waits in the outbox until delivery reaches it; by then the invitation may have
// been revoked, accepted, sent again (a new link replaces this one) or have expired. Its link would no
// longer work, so the email is skipped with the reason instead of inviting someone to a dead end.
import type postgres from 'postgres'

/** The outbox key of an invitation's `send`-th email (resending makes a new one): the invitation and send number. */
export const invitationEmailKey = (invitationId: string, send: number) => `invitation:${invitationId}:${send}`

/**
 * Why each of these invitation emails (outbox ids) can no longer be sent, by id; ids not in the map are
 * fine. The invitation and its send number come from the email's key (invitationEmailKey). Expiry is read on the product clock, as accept_invitation does.
 */
export async function withdrawnInvitations(sql: postgres.Sql, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map()
  const rows = await sql<{ id: string; reason: string | null }[]>`
    select o.id, case
        when i.id is null then 'the invitation no longer exists'
        when i.revoked_at is not null then 'the invitation was revoked'
        when i.accepted_at is not null then 'the invitation was already accepted'
        when i.sent_count > (case when split_part(o.idempotency_key, ':', 3) ~ '^[0-9]{1,9}$' then split_part(o.idempotency_key, ':', 3)::int end) then 'the invitation was sent again with a new link'
        when i.expires_at <= billing.product_now() then 'the invitation expired'
      end as reason
    from billing.email_outbox o
    left join public.organization_invitations i on i.id::text = split_part(o.idempotency_key, ':', 2)
    where o.id = any(${ids}::uuid[]) and o.email_type = 'invitation'`
  return new Map(rows.filter((r) => r.reason).map((r) => [r.id, `not sent: ${r.reason} before its email left (its link no longer works)`]))
}
