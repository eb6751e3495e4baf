// The email outbox: a workflow step records an email once (unique idempotency key), and delivery
// works through the outbox with retries, so a transport that fails for a while delays emails but
// neither loses nor doubles them (delivery.ts). The idempotency key also goes to the provider (Resend dedupes on it).
import type postgres from 'postgres'
import { type EmailType, isEmailEnabled } from './templates.ts'

export interface EmailRequest {
  type: EmailType
  to: string | null | undefined
  props: Record<string, unknown>
  /** Props that grant access (an accept or download link): kept only until the email is sent (secret_props). */
  secretProps?: Record<string, unknown>
  idempotencyKey: string
  organizationId?: string | null
  runId?: string
}

/** Records an email to send; a second request with the same key returns the first one's row. */
export async function enqueueEmail(sql: postgres.Sql | postgres.TransactionSql, req: EmailRequest): Promise<{ id: string; status: string }> {
  const status = !req.to ? 'skipped' : isEmailEnabled(req.type) ? 'pending' : 'skipped'
  const lastError = !req.to ? 'no recipient address' : status === 'skipped' ? `email type ${req.type} is switched off` : null
  // One statement: the new row, or the one already recorded under this key (visible to this statement
  // unless its writer committed while this insert waited on it: then a second read finds it).
  const [row] = await sql<{ id: string; status: string }[]>`
    with added as (
      insert into billing.email_outbox (idempotency_key, organization_id, run_id, email_type, to_email, props, secret_props, status, last_error)
      values (${req.idempotencyKey}, ${req.organizationId ?? null}, ${req.runId ?? null}, ${req.type}, ${req.to ?? null},
        ${sql.json(req.props as never)}, ${req.secretProps ? sql.json(req.secretProps as never) : null}, ${status}, ${lastError})
      on conflict (idempotency_key) do nothing
      returning id, status)
    select id, status from added
    union all
    select id, status from billing.email_outbox where idempotency_key = ${req.idempotencyKey} and not exists (select 1 from added)`
  if (row) return row
  const [first] = await sql<{ id: string; status: string }[]>`select id, status from billing.email_outbox where idempotency_key = ${req.idempotencyKey}`
  return first
}

export { deliverDueEmails, MAX_EMAIL_ATTEMPTS } from './delivery.ts'
