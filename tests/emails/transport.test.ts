// Delivery: Resend's HTTP API (with the idempotency key), SMTP into the stack's maildev, and the outbox
// retrying through a transport outage and delivering once when it recovers.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, describe, expect, test } from 'vitest'
import { deliverDueEmails, enqueueEmail, MAX_EMAIL_ATTEMPTS, type EmailRequest } from '../../supabase/functions/_shared/email/outbox.ts'
import { sendEmail } from '../../supabase/functions/_shared/email/transport.ts'
import { NonRetriableError, RetryAfterError } from '../../supabase/functions/_shared/errors.ts'
import { adminSql, stackProfile, uniq } from '../helpers/stack.ts'
import { mailsTo } from '../helpers/mail.ts'

const sql = adminSql()
const saved = { ...process.env }
afterEach(() => {
  for (const k of ['EMAIL_TRANSPORT', 'RESEND_API_URL', 'RESEND_API_KEY', 'SMTP_HOST', 'SMTP_PORT']) {
    if (saved[k] === undefined) delete process.env[k]
    else process.env[k] = saved[k]
  }
})
afterAll(() => sql.end())

// The outbox is shared with the stack's own worker (pg_cron, webhook kicks), which delivers what is due by
// the real clock or a test clock a few months ahead: this file's emails fall due only in the year 3000.
const FAR = new Date('3000-01-01T00:00:00Z')
const at = (days: number) => new Date(FAR.getTime() + days * 86_400_000)
async function ownEmail(req: EmailRequest) {
  return await sql.begin(async (tx) => {
    const row = await enqueueEmail(tx, req)
    await tx`update billing.email_outbox set next_attempt_at = ${FAR} where id = ${row.id} and status = 'pending'`
    return row
  })
}

const message = (to = `${uniq('to')}@example.test`) => ({ to, subject: 'Hello', html: '<p>Hello</p>', text: 'Hello', idempotencyKey: uniq('key') })

/** A stand-in for Resend's API that answers with the given status and records what it received. */
async function fakeResend(status: number, body: unknown, headers: Record<string, string> = {}) {
  const received: { headers: http.IncomingHttpHeaders; body: Record<string, unknown> }[] = []
  const server = http.createServer((req, res) => {
    let data = ''
    req.on('data', (d) => (data += d))
    req.on('end', () => {
      received.push({ headers: req.headers, body: JSON.parse(data) })
      res.writeHead(status, { 'content-type': 'application/json', ...headers })
      res.end(JSON.stringify(body))
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  process.env.EMAIL_TRANSPORT = 'resend'
  process.env.RESEND_API_KEY = 're_test_key'
  process.env.RESEND_API_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { received, close: () => new Promise((r) => server.close(r)) }
}

describe('Resend transport', () => {
  test('sends the idempotency key as Idempotency-Key and returns Resend\'s message id', async () => {
    const api = await fakeResend(200, { id: 'msg_123' })
    const m = message()
    expect(await sendEmail(m)).toEqual({ providerMessageId: 'msg_123' })
    expect(api.received[0].headers['idempotency-key']).toBe(m.idempotencyKey)
    expect(api.received[0].headers.authorization).toBe('Bearer re_test_key')
    expect(api.received[0].body).toMatchObject({ to: [m.to], subject: 'Hello', text: 'Hello' })
    await api.close()
  })

  test('429 and 500 are retriable, honouring Retry-After', async () => {
    const limited = await fakeResend(429, { message: 'slow down' }, { 'retry-after': '7' })
    const err = await sendEmail(message()).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RetryAfterError)
    expect((err as RetryAfterError).retryAfterMs).toBe(7000)
    await limited.close()
    const down = await fakeResend(500, { message: 'oops' })
    expect(await sendEmail(message()).catch((e: unknown) => e)).toBeInstanceOf(RetryAfterError)
    await down.close()
  })

  test('422 (a message Resend will never accept) is not retriable', async () => {
    const api = await fakeResend(422, { message: 'Invalid `to` field' })
    const err = await sendEmail(message()).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(NonRetriableError)
    expect((err as Error).message).toContain('Invalid `to` field')
    await api.close()
  })
})

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
    const { id } = await ownEmail({ type: 'payment_reminder', to, idempotencyKey: key, props: { organizationName: 'Acme', paymentUrl: 'http://x.test/pay', updatePaymentUrl: 'http://x.test/billing' } })
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
    expect(up).toEqual({ sent: [id], retrying: [], failed: [] })
    expect(await deliverDueEmails(sql, { now: later, ids: [id] })).toEqual({ sent: [], retrying: [], failed: [] })
    expect(await mailsTo(to)).toHaveLength(1)
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
    const { id } = await ownEmail({ type: 'payment_reminder', to, idempotencyKey: uniq('lease'), props })
    await sql`update billing.email_outbox set status = 'sending', attempts = 1, lease_until = now() + interval '10 seconds' where id = ${id}`
    expect(await deliverDueEmails(sql, { ids: [id] })).toEqual({ sent: [], retrying: [], failed: [] })
    // The lease runs out and delivery runs in one transaction: the stack's worker, which would take an
    // expired lease too, never sees this row free.
    const report = await sql.begin(async (tx) => {
      await tx`update billing.email_outbox set lease_until = now() - interval '1 second' where id = ${id}`
      return await deliverDueEmails(tx as unknown as typeof sql, { ids: [id] })
    })
    expect(report).toEqual({ sent: [id], retrying: [], failed: [] })
    expect(await row(id)).toMatchObject({ status: 'sent', attempts: 2, last_error: null, lease_until: null })
    expect(await mailsTo(to)).toHaveLength(1)
  })

  test('an email whose last attempt fails is marked failed for good', async () => {
    useSmtp(9) // nothing listens: the transport is down
    const { id } = await ownEmail({ type: 'payment_reminder', to: `${uniq('last')}@example.test`, idempotencyKey: uniq('last'), props })
    await sql`update billing.email_outbox set attempts = ${MAX_EMAIL_ATTEMPTS - 2} where id = ${id}`
    const before = await deliverDueEmails(sql, { ids: [id], now: at(0) })
    expect(before.retrying.map((r) => r.id)).toEqual([id])
    expect(await row(id)).toMatchObject({ status: 'pending', attempts: MAX_EMAIL_ATTEMPTS - 1 })
    const last = await deliverDueEmails(sql, { ids: [id], now: at(1) })
    expect(last.failed.map((r) => r.id)).toEqual([id])
    const after = await row(id)
    expect(after).toMatchObject({ status: 'failed', attempts: MAX_EMAIL_ATTEMPTS })
    expect(after.last_error).toMatch(/^RetryAfterError: SMTP failed/)
    expect(await deliverDueEmails(sql, { ids: [id], now: at(30) })).toEqual({ sent: [], retrying: [], failed: [] })
  })

  test('an email the provider will never accept is marked failed after one attempt', async () => {
    const api = await fakeResend(422, { message: 'Invalid `to` field' })
    try {
      const { id } = await ownEmail({ type: 'payment_reminder', to: `${uniq('bad')}@example.test`, idempotencyKey: uniq('bad'), props })
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
      expect(await deliverDueEmails(sql, { ids: [off.id, nobody.id], now: at(365) })).toEqual({ sent: [], retrying: [], failed: [] })
      expect(await row(off.id)).toMatchObject({ status: 'skipped', attempts: 0 })
      expect(await row(nobody.id)).toMatchObject({ status: 'skipped', attempts: 0 })
    } finally {
      delete process.env.EMAILS_DISABLED
    }
  })
})
