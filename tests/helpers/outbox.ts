// What the email test files share: the email environment restored after each test, and emails of the
// test's own that fall due only in the year 3000, where the stack's own worker never delivers them.
import type postgres from 'postgres'
import { afterEach } from 'vitest'
import { enqueueEmail, type EmailRequest } from '../../supabase/functions/_shared/email/outbox.ts'
import { uniq } from './stack.ts'

/** Restores the transport's variables after each test of the file (tests point them at fakes). */
export function restoreEmailEnvAfterEach(): void {
  const saved = { ...process.env }
  afterEach(() => {
    for (const k of ['EMAIL_TRANSPORT', 'RESEND_API_URL', 'RESEND_API_KEY', 'SMTP_HOST', 'SMTP_PORT', 'RESEND_REQUESTS_PER_SECOND']) {
      if (saved[k] === undefined) delete process.env[k]
      else process.env[k] = saved[k]
    }
  })
}

// The outbox is shared with the stack's own worker (pg_cron, webhook kicks), which delivers what is due by
// the real clock or a test clock a few months ahead: these emails fall due only in the year 3000.
const FAR = new Date('3000-01-01T00:00:00Z')
export const at = (days: number) => new Date(FAR.getTime() + days * 86_400_000)

/** Enqueues an email of the test's own, due at FAR (or later, when it is moved on). */
export async function ownEmail(sql: postgres.Sql, req: EmailRequest) {
  return await sql.begin(async (tx) => {
    const row = await enqueueEmail(tx, req)
    await tx`update billing.email_outbox set next_attempt_at = ${FAR} where id = ${row.id} and status = 'pending'`
    return row
  })
}

export const message = (to = `${uniq('to')}@example.test`) => ({ to, subject: 'Hello', html: '<p>Hello</p>', text: 'Hello', idempotencyKey: uniq('key') })

export const reminder = (to: string, key = uniq('drain')) =>
  ({ type: 'payment_reminder' as const, to, idempotencyKey: key, props: { organizationName: 'Acme', paymentUrl: 'http://x.test/pay', updatePaymentUrl: 'http://x.test/billing' } })
