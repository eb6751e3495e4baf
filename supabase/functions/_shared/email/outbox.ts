// The email outbox: a workflow step records an email once (unique idempotency key), and delivery
// works through the outbox with retries, so a transport that fails for a while delays emails but
// neither loses nor doubles them. The idempotency key also goes to the provider (Resend dedupes on it).
import type postgres from 'postgres'
import { productNow } from '../clock.ts'
import { NonRetriableError, RetryAfterError } from '../errors.ts'
import { renderEmail } from './render.ts'
import { isEmailEnabled, type EmailType } from './templates.ts'
import { sendEmail } from './transport.ts'

export interface EmailRequest {
  type: EmailType
  to: string | null | undefined
  props: Record<string, unknown>
  idempotencyKey: string
  organizationId?: string | null
  runId?: string
}

/** Records an email to send; a second request with the same key returns the first one's row. */
export async function enqueueEmail(sql: postgres.Sql | postgres.TransactionSql, req: EmailRequest): Promise<{ id: string; status: string }> {
  const status = !req.to ? 'skipped' : isEmailEnabled(req.type) ? 'pending' : 'skipped'
  const lastError = !req.to ? 'no recipient address' : status === 'skipped' ? `email type ${req.type} is switched off` : null
  await sql`
    insert into billing.email_outbox (idempotency_key, organization_id, run_id, email_type, to_email, props, status, last_error)
    values (${req.idempotencyKey}, ${req.organizationId ?? null}, ${req.runId ?? null}, ${req.type}, ${req.to ?? null},
      ${sql.json(req.props as never)}, ${status}, ${lastError})
    on conflict (idempotency_key) do nothing`
  const [row] = await sql<{ id: string; status: string }[]>`select id, status from billing.email_outbox where idempotency_key = ${req.idempotencyKey}`
  return row
}

export interface DeliveryReport {
  sent: string[]
  retrying: { id: string; error: string }[]
  failed: { id: string; error: string }[]
}

export const MAX_EMAIL_ATTEMPTS = 10

/** Backoff between delivery attempts: 30 s doubling, with jitter, at most an hour. */
function retryDelayMs(attempt: number, err: unknown): number {
  const base = Math.min(3_600_000, 30_000 * 2 ** Math.max(0, attempt - 1)) * (0.8 + Math.random() * 0.4)
  return Math.max(base, err instanceof RetryAfterError ? err.retryAfterMs : 0)
}

/**
 * Sends due emails. Each is leased while it is sent, so two workers never send the same one. `ids`
 * limits delivery to those rows (tests deliver their own emails only; the shared outbox is not theirs).
 */
export async function deliverDueEmails(sql: postgres.Sql, opts: { limit?: number; now?: Date; ids?: string[] } = {}): Promise<DeliveryReport> {
  const now = opts.now ?? (await productNow())
  const report: DeliveryReport = { sent: [], retrying: [], failed: [] }
  const due = await sql<{ id: string; email_type: EmailType; to_email: string; props: Record<string, unknown>; idempotency_key: string; attempts: number }[]>`
    update billing.email_outbox set status = 'sending', lease_until = now() + interval '2 minutes', attempts = attempts + 1
    where id in (
      select id from billing.email_outbox
      where ((status = 'pending' and next_attempt_at <= ${now}) or (status = 'sending' and lease_until < now()))
        ${opts.ids ? sql`and id = any(${opts.ids}::uuid[])` : sql``}
      order by next_attempt_at limit ${opts.limit ?? 20} for update skip locked)
    returning id, email_type, to_email, props, idempotency_key, attempts`
  for (const e of due) {
    try {
      const rendered = await renderEmail(e.email_type, e.props)
      const { providerMessageId } = await sendEmail({ to: e.to_email, subject: rendered.subject, html: rendered.html, text: rendered.text, idempotencyKey: e.idempotency_key })
      await sql`update billing.email_outbox set status = 'sent', sent_at = now(), subject = ${rendered.subject},
        provider_message_id = ${providerMessageId}, last_error = null, lease_until = null where id = ${e.id}`
      report.sent.push(e.id)
    } catch (err) {
      const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err)
      const final = err instanceof NonRetriableError || e.attempts >= MAX_EMAIL_ATTEMPTS
      await sql`update billing.email_outbox set status = ${final ? 'failed' : 'pending'}, last_error = ${error.slice(0, 2000)},
        next_attempt_at = ${new Date(now.getTime() + retryDelayMs(e.attempts, err))}, lease_until = null where id = ${e.id}`
      ;(final ? report.failed : report.retrying).push({ id: e.id, error })
      console.error(`email: ${e.email_type} ${e.idempotency_key} ${final ? 'failed for good' : 'will be retried'}: ${error}`)
    }
  }
  return report
}
