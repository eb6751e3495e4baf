// Claiming due emails reads the due ones by index, whatever the outbox's sent history: the outbox keeps
// every sent email, so a claim that scanned it grew slower with every email the product ever sent (6 ms a
// claim at 15,000 rows, on every stripe-sync invocation).
import { afterAll, expect, test } from 'vitest'
import { deliverDueEmails } from '../../supabase/functions/_shared/email/outbox.ts'
import { at, ownEmail, reminder, restoreEmailEnvAfterEach } from '../helpers/outbox.ts'
import { adminSql, stackProfile, uniq } from '../helpers/stack.ts'

const sql = adminSql()
restoreEmailEnvAfterEach()
const history = uniq('sent-history')
afterAll(async () => {
  await sql`delete from billing.email_outbox where idempotency_key like ${`${history}:%`}`
  await sql.end()
})

test('a delivery claims its emails without scanning the sent ones', async () => {
  process.env.EMAIL_TRANSPORT = 'smtp'
  process.env.SMTP_HOST = '127.0.0.1'
  process.env.SMTP_PORT = String(stackProfile.ports.smtp)
  // A history of sent emails, as a product accumulates (and statistics that know it).
  await sql`insert into billing.email_outbox (idempotency_key, email_type, to_email, props, status, sent_at)
    select ${history} || ':' || g, 'trial_reminder', 'old@example.test', '{}', 'sent', now() from generate_series(1, 3000) g`
  await sql`analyze billing.email_outbox`
  const { id } = await ownEmail(sql, reminder(`${uniq('claim')}@example.test`))
  const scans = await sql.begin(async (tx) => {
    const report = await deliverDueEmails(tx as unknown as typeof sql, { ids: [id], now: at(0) })
    expect(report.sent).toEqual([id])
    // This transaction's own counters: every statement the delivery ran on the outbox.
    return (await tx<{ seq_scan: number }[]>`select seq_scan::int from pg_stat_xact_user_tables where relid = 'billing.email_outbox'::regclass`)[0]
  })
  expect(scans.seq_scan).toBe(0)
})
