// Delivery: Resend's HTTP API (with the idempotency key), SMTP into the stack's maildev, and the outbox
// retrying through a transport outage and delivering once when it recovers.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, describe, expect, test } from 'vitest'
import { deliverDueEmails, enqueueEmail } from '../../supabase/functions/_shared/email/outbox.ts'
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
    const { id } = await enqueueEmail(sql, { type: 'payment_reminder', to, idempotencyKey: key, props: { organizationName: 'Acme', paymentUrl: 'http://x.test/pay', updatePaymentUrl: 'http://x.test/billing' } })
    // A second request for the same email is the same row.
    expect((await enqueueEmail(sql, { type: 'payment_reminder', to, idempotencyKey: key, props: {} })).id).toBe(id)
    const down = await deliverDueEmails(sql)
    expect(down.retrying.map((r) => r.id)).toContain(id)
    const [row] = await sql`select status, attempts, last_error from billing.email_outbox where id = ${id}`
    expect(row).toMatchObject({ status: 'pending', attempts: 1 })
    expect(row.last_error).toMatch(/^RetryAfterError: SMTP failed/)

    process.env.SMTP_PORT = String(stackProfile.ports.smtp) // recovered
    const later = new Date(Date.now() + 3_600_000)
    const up = await deliverDueEmails(sql, { now: later })
    expect(up.sent).toContain(id)
    expect(await deliverDueEmails(sql, { now: later })).toMatchObject({ sent: [] })
    expect(await mailsTo(to)).toHaveLength(1)
  })
})
