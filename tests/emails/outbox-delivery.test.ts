// Delivery through the outbox: SMTP into the stack's maildev, retries through a transport outage with one
// delivery once it recovers, a delivery scoped to given ids (how test files deliver only their own rows),
// and the outbox's bookkeeping (leases, failed for good, skipped types, its default time).
import http from 'node:http'
import { afterAll, describe, expect, test, vi } from 'vitest'
import { deliverDueEmails, enqueueEmail, MAX_EMAIL_ATTEMPTS } from '../../supabase/functions/_shared/email/outbox.ts'
import { sendEmail } from '../../supabase/functions/_shared/email/transport.ts'
import { productNow } from '../../supabase/functions/_shared/clock.ts'
import { RetryAfterError } from '../../supabase/functions/_shared/errors.ts'
import { fakeResend } from '../helpers/fake-resend.ts'
import { mailsTo } from '../helpers/mail.ts'
import { at, message, ownEmail, restoreEmailEnvAfterEach } from '../helpers/outbox.ts'
import { pooledSql } from '../helpers/pooler.ts'
import { adminSql, stackProfile, uniq } from '../helpers/stack.ts'

const sql = adminSql()
restoreEmailEnvAfterEach()
afterAll(() => sql.end())

describe('SMTP transport and the outbox', () => {
  test('an email sent over SMTP arrives in maildev with its idempotency key', async () => {
    process.env.EMAIL_TRANSPORT = 'smtp'
    process.env.SMTP_HOST = '127.0.0.1'
    process.env.SMTP_PORT = String(stackProfile.ports.smtp)
    const m = message()
    await sendEmail(m)
    const [mail] = await mailsTo(m.to)
    expect(mail.subject).toBe('Hello')
    expect(mail.headers['x-idempotency-key']).toBe(m.idempotencyKey)
  })

  test('while the transport is down the email is retried, and it is delivered once when it recovers', async () => {
    process.env.EMAIL_TRANSPORT = 'smtp'
    process.env.SMTP_HOST = '127.0.0.1'
    process.env.SMTP_PORT = '9' // nothing listens: the transport is down
    const to = `${uniq('outage')}@example.test`
    const key = uniq('outbox')
    const { id } = await ownEmail(sql, { type: 'payment_reminder', to, idempotencyKey: key, props: { organizationName: 'Acme', paymentUrl: 'http://x.test/pay', updatePaymentUrl: 'http://x.test/billing' } })
    // A second request for the same email is the same row.
    expect((await enqueueEmail(sql, { type: 'payment_reminder', to, idempotencyKey: key, props: {} })).id).toBe(id)
    // Only this test's email: the outbox is shared with every other test file and the stack's worker.
    const down = await deliverDueEmails(sql, { ids: [id], now: at(0) })
    expect(down.retrying.map((r) => r.id)).toContain(id)
    const [row] = await sql`select status, attempts, last_error from billing.email_outbox where id = ${id}`
    expect(row).toMatchObject({ status: 'pending', attempts: 1 })
    expect(row.last_error).toMatch(/^RetryAfterError: SMTP failed/)

    process.env.SMTP_PORT = String(stackProfile.ports.smtp) // recovered
    const later = at(1)
    const up = await deliverDueEmails(sql, { now: later, ids: [id] })
    expect(up).toEqual({ sent: [id], retrying: [], failed: [], stoppedBy: 'empty' })
    expect(await deliverDueEmails(sql, { now: later, ids: [id] })).toEqual({ sent: [], retrying: [], failed: [], stoppedBy: 'empty' })
    expect(await mailsTo(to)).toHaveLength(1)
  })

  test('a delivery given ids takes only those emails: another due email is left pending as it was', async () => {
    process.env.EMAIL_TRANSPORT = 'smtp'
    process.env.SMTP_HOST = '127.0.0.1'
    process.env.SMTP_PORT = String(stackProfile.ports.smtp)
    const props = { organizationName: 'Acme', paymentUrl: 'http://x.test/pay', updatePaymentUrl: 'http://x.test/billing' }
    const mine = await ownEmail(sql, { type: 'payment_reminder', to: `${uniq('mine')}@example.test`, idempotencyKey: uniq('mine'), props })
    const other = await ownEmail(sql, { type: 'payment_reminder', to: `${uniq('other')}@example.test`, idempotencyKey: uniq('other'), props })
    // Both are due at at(1); the other one was due first, so without the ids it would be taken first.
    await sql`update billing.email_outbox set next_attempt_at = ${at(0.5)} where id = ${other.id}`
    expect(await deliverDueEmails(sql, { ids: [mine.id], now: at(1) })).toEqual({ sent: [mine.id], retrying: [], failed: [], stoppedBy: 'empty' })
    const [left] = await sql`select status, attempts, lease_until from billing.email_outbox where id = ${other.id}`
    expect(left).toEqual({ status: 'pending', attempts: 0, lease_until: null })
  })
})

describe('the outbox\'s bookkeeping', () => {
  const props = { organizationName: 'Acme', paymentUrl: 'http://x.test/pay', updatePaymentUrl: 'http://x.test/billing' }
  const useSmtp = (port: number) => {
    process.env.EMAIL_TRANSPORT = 'smtp'
    process.env.SMTP_HOST = '127.0.0.1'
    process.env.SMTP_PORT = String(port)
  }
  const row = async (id: string) => (await sql`select status, attempts, last_error, lease_until from billing.email_outbox where id = ${id}`)[0]

  test('an email left `sending` by a worker that died is sent once its lease has run out, not before', async () => {
    useSmtp(stackProfile.ports.smtp)
    const to = `${uniq('lease')}@example.test`
    const { id } = await ownEmail(sql, { type: 'payment_reminder', to, idempotencyKey: uniq('lease'), props })
    await sql`update billing.email_outbox set status = 'sending', attempts = 1, lease_until = now() + interval '10 seconds' where id = ${id}`
    expect(await deliverDueEmails(sql, { ids: [id] })).toEqual({ sent: [], retrying: [], failed: [], stoppedBy: 'empty' })
    // The lease runs out and delivery runs in one transaction: the stack's worker, which would take an
    // expired lease too, never sees this row free.
    const report = await sql.begin(async (tx) => {
      await tx`update billing.email_outbox set lease_until = now() - interval '1 second' where id = ${id}`
      return await deliverDueEmails(tx as unknown as typeof sql, { ids: [id] })
    })
    expect(report).toEqual({ sent: [id], retrying: [], failed: [], stoppedBy: 'empty' })
    expect(await row(id)).toMatchObject({ status: 'sent', attempts: 2, last_error: null, lease_until: null })
    expect(await mailsTo(to)).toHaveLength(1)
  })

  test('with no time given, an email due earlier in the current millisecond is due: Postgres keeps microseconds', async () => {
    useSmtp(stackProfile.ports.smtp)
    const to = `${uniq('same-ms')}@example.test`
    const { id } = await ownEmail(sql, { type: 'payment_reminder', to, idempotencyKey: uniq('same-ms'), props })
    // The clock stopped on a whole millisecond in the year 3000 (where the stack's worker never gets), and
    // the email due half a millisecond into it, as one a workflow recorded just before the delivery is.
    vi.useFakeTimers({ toFake: ['Date'] })
    try {
      vi.setSystemTime(at(2))
      const now = await productNow()
      await sql`update billing.email_outbox set next_attempt_at = ${now}::timestamptz + interval '0.5 milliseconds' where id = ${id}`
      expect(await deliverDueEmails(sql, { ids: [id] })).toEqual({ sent: [id], retrying: [], failed: [], stoppedBy: 'empty' })
    } finally {
      vi.useRealTimers()
    }
    expect(await mailsTo(to)).toHaveLength(1)
  })

  test('an email whose last attempt fails is marked failed for good', async () => {
    useSmtp(9) // nothing listens: the transport is down
    const { id } = await ownEmail(sql, { type: 'payment_reminder', to: `${uniq('last')}@example.test`, idempotencyKey: uniq('last'), props })
    await sql`update billing.email_outbox set attempts = ${MAX_EMAIL_ATTEMPTS - 2} where id = ${id}`
    const before = await deliverDueEmails(sql, { ids: [id], now: at(0) })
    expect(before.retrying.map((r) => r.id)).toEqual([id])
    expect(await row(id)).toMatchObject({ status: 'pending', attempts: MAX_EMAIL_ATTEMPTS - 1 })
    const last = await deliverDueEmails(sql, { ids: [id], now: at(1) })
    expect(last.failed.map((r) => r.id)).toEqual([id])
    const after = await row(id)
    expect(after).toMatchObject({ status: 'failed', attempts: MAX_EMAIL_ATTEMPTS })
    expect(after.last_error).toMatch(/^RetryAfterError: SMTP failed/)
    expect(await deliverDueEmails(sql, { ids: [id], now: at(30) })).toEqual({ sent: [], retrying: [], failed: [], stoppedBy: 'empty' })
  })

  test('an email the provider will never accept is marked failed after one attempt', async () => {
    const api = await fakeResend(422, { message: 'Invalid `to` field' })
    try {
      const { id } = await ownEmail(sql, { type: 'payment_reminder', to: `${uniq('bad')}@example.test`, idempotencyKey: uniq('bad'), props })
      const r = await deliverDueEmails(sql, { ids: [id], now: at(0) })
      expect(r.failed.map((f) => f.id)).toEqual([id])
      expect(await row(id)).toMatchObject({ status: 'failed', attempts: 1 })
      expect((await row(id)).last_error).toContain('Invalid `to` field')
    } finally {
      await api.close()
    }
  })

  test('an email of a switched-off type, or without a recipient, is recorded as skipped and never sent', async () => {
    useSmtp(stackProfile.ports.smtp)
    process.env.EMAILS_DISABLED = 'receipt, payment_reminder'
    try {
      const to = `${uniq('off')}@example.test`
      const off = await enqueueEmail(sql, { type: 'payment_reminder', to, idempotencyKey: uniq('off'), props })
      const nobody = await enqueueEmail(sql, { type: 'trial_ending', to: null, idempotencyKey: uniq('nobody'), props: {} })
      expect(off.status).toBe('skipped')
      expect(nobody.status).toBe('skipped')
      expect((await row(off.id)).last_error).toBe('email type payment_reminder is switched off')
      expect((await row(nobody.id)).last_error).toBe('no recipient address')
      expect(await deliverDueEmails(sql, { ids: [off.id, nobody.id], now: at(365) })).toEqual({ sent: [], retrying: [], failed: [], stoppedBy: 'empty' })
      expect(await row(off.id)).toMatchObject({ status: 'skipped', attempts: 0 })
      expect(await row(nobody.id)).toMatchObject({ status: 'skipped', attempts: 0 })
    } finally {
      delete process.env.EMAILS_DISABLED
    }
  })

  test('behind a transaction-mode pooler the sent mark goes without parameters (one round trip) and keeps the subject as sent', async () => {
    process.env.EMAIL_TRANSPORT = 'smtp'
    process.env.SMTP_HOST = '127.0.0.1'
    process.env.SMTP_PORT = String(stackProfile.ports.smtp)
    const { sql: pooled, seen, end } = await pooledSql()
    try {
      // A subject with a quote, double quotes, a backslash and a placeholder-like $1 in it.
      const props = { organizationName: `O'Brien "Co" \\ $1` }
      const { id } = await ownEmail(sql, { type: 'subscription_confirmation', to: `${uniq('pooled')}@example.test`, idempotencyKey: uniq('pooled'), props })
      const from = seen.length
      expect((await deliverDueEmails(pooled, { ids: [id], now: at(0) })).sent).toEqual([id])
      const marks = seen.slice(from).filter((q) => /set status = 'sent'/.test(q.query))
      expect(marks.map((q) => q.params)).toEqual([[]])
      const [row] = await sql`select status, subject from billing.email_outbox where id = ${id}`
      expect(row.status).toBe('sent')
      expect(row.subject).toBe(`Welcome to your new plan, ${props.organizationName}`)
    } finally {
      await end()
    }
  })
})
