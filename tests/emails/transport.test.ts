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
    expect(up).toEqual({ sent: [id], retrying: [], failed: [], stoppedBy: 'empty' })
    expect(await deliverDueEmails(sql, { now: later, ids: [id] })).toEqual({ sent: [], retrying: [], failed: [], stoppedBy: 'empty' })
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
    expect(await deliverDueEmails(sql, { ids: [id], now: at(30) })).toEqual({ sent: [], retrying: [], failed: [], stoppedBy: 'empty' })
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
      expect(await deliverDueEmails(sql, { ids: [off.id, nobody.id], now: at(365) })).toEqual({ sent: [], retrying: [], failed: [], stoppedBy: 'empty' })
      expect(await row(off.id)).toMatchObject({ status: 'skipped', attempts: 0 })
      expect(await row(nobody.id)).toMatchObject({ status: 'skipped', attempts: 0 })
    } finally {
      delete process.env.EMAILS_DISABLED
    }
  })
})

const reminder = (to: string, key = uniq('drain')) =>
  ({ type: 'payment_reminder' as const, to, idempotencyKey: key, props: { organizationName: 'Acme', paymentUrl: 'http://x.test/pay', updatePaymentUrl: 'http://x.test/billing' } })

/** A stand-in for Resend's batch endpoint: dedupes on Idempotency-Key as Resend does; `drop` loses answers. */
async function fakeResendBatch(opts: { drop?: number; refuse?: (to: string[]) => boolean } = {}) {
  const calls: { at: number; key: string; to: string[] }[] = []
  const delivered = new Map<string, number>()
  const answers = new Map<string, string>()
  let drops = opts.drop ?? 0
  const server = http.createServer((req, res) => {
    let data = ''
    req.on('data', (d) => (data += d))
    req.on('end', () => {
      const key = String(req.headers['idempotency-key'])
      const body = JSON.parse(data)
      const to: string[] = req.url === '/emails/batch' ? body.map((m: { to: string[] }) => m.to[0]) : [body.to[0]]
      calls.push({ at: Date.now(), key, to })
      if (opts.refuse?.(to)) {
        res.writeHead(422, { 'content-type': 'application/json' })
        return res.end(JSON.stringify({ name: 'validation_error', message: 'Invalid `to` field' }))
      }
      let answer = answers.get(key)
      if (!answer) {
        for (const t of to) delivered.set(t, (delivered.get(t) ?? 0) + 1)
        const ids = to.map((_, i) => ({ id: `msg_${calls.length}_${i}` }))
        answers.set(key, (answer = JSON.stringify(req.url === '/emails/batch' ? { data: ids } : ids[0])))
      }
      if (drops-- > 0) return req.socket.destroy() // delivered, but the answer is lost
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(answer)
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  process.env.EMAIL_TRANSPORT = 'resend'
  process.env.RESEND_API_KEY = 're_test_key'
  process.env.RESEND_API_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { calls, delivered, close: () => new Promise((r) => server.close(r)) }
}

describe('draining the outbox at the transport\'s limit', () => {
  afterEach(() => {
    delete process.env.RESEND_REQUESTS_PER_SECOND
  })

  test('one worker run sends every due email over SMTP, not 20 of them', async () => {
    process.env.EMAIL_TRANSPORT = 'smtp'
    process.env.SMTP_HOST = '127.0.0.1'
    process.env.SMTP_PORT = String(stackProfile.ports.smtp)
    const to = Array.from({ length: 45 }, () => `${uniq('smtpdrain')}@example.test`)
    const ids = await Promise.all(to.map(async (t) => (await ownEmail(reminder(t))).id))
    const report = await deliverDueEmails(sql, { ids, now: at(0) })
    expect(report.sent.sort()).toEqual([...ids].sort())
    expect(await sql`select count(*)::int as n from billing.email_outbox where id = any(${ids}::uuid[]) and status = 'sent'`).toEqual([{ n: 45 }])
    for (const t of [to[0], to[44]]) expect(await mailsTo(t)).toHaveLength(1)
  })

  test('Resend gets batches of up to 100 emails, each under its own Idempotency-Key, paced to its rate limit', async () => {
    const api = await fakeResendBatch()
    process.env.RESEND_REQUESTS_PER_SECOND = '4'
    const to = Array.from({ length: 150 }, () => `${uniq('batch')}@example.test`)
    const ids = await Promise.all(to.map(async (t) => (await ownEmail(reminder(t))).id))
    const report = await deliverDueEmails(sql, { ids, now: at(0) })
    await api.close()
    expect(report.sent.sort()).toEqual([...ids].sort())
    const mine = api.calls.filter((c) => c.to.some((t) => to.includes(t)))
    expect(mine.map((c) => c.to.length).sort((a, b) => b - a)).toEqual([100, 50])
    expect(new Set(mine.map((c) => c.key)).size).toBe(2)
    expect(mine.every((c) => c.key.startsWith('batch:'))).toBe(true)
    expect(mine[1].at - mine[0].at).toBeGreaterThanOrEqual(240) // 4 requests/s: 250 ms apart (timer slack)
    const rows = await sql`select status, provider_message_id, batch_key from billing.email_outbox where id = any(${ids}::uuid[])`
    expect(rows.every((r) => r.status === 'sent' && r.provider_message_id?.startsWith('msg_') && r.batch_key)).toBe(true)
    expect(to.every((t) => api.delivered.get(t) === 1)).toBe(true)
  })

  test('a batch whose answer was lost is sent again with the same members and key, and delivered once', async () => {
    const api = await fakeResendBatch({ drop: 1 })
    const to = Array.from({ length: 30 }, () => `${uniq('lost')}@example.test`)
    const ids = await Promise.all(to.map(async (t) => (await ownEmail(reminder(t))).id))
    const first = await deliverDueEmails(sql, { ids, now: at(0) })
    expect(first.retrying.map((r) => r.id).sort()).toEqual([...ids].sort())
    // Another email becomes due meanwhile: it must not join the batch Resend has already seen.
    const extra = `${uniq('late')}@example.test`
    const { id: extraId } = await ownEmail(reminder(extra))
    const again = await deliverDueEmails(sql, { now: at(1), ids: [...ids, extraId] })
    await api.close()
    expect(again.sent).toEqual(expect.arrayContaining(ids))
    const batchCalls = api.calls.filter((c) => c.to.some((t) => to.includes(t)))
    expect(batchCalls).toHaveLength(2)
    expect(batchCalls[1].key).toBe(batchCalls[0].key)
    expect([...batchCalls[1].to].sort()).toEqual([...to].sort())
    expect(to.every((t) => api.delivered.get(t) === 1)).toBe(true)
    expect(api.delivered.get(extra)).toBe(1)
  })

  test('a batch Resend refuses whole (one bad address) is sent one by one: only the bad email fails', async () => {
    const bad = `${uniq('bad')}@example.test`
    const api = await fakeResendBatch({ refuse: (to) => to.includes(bad) })
    const good = Array.from({ length: 5 }, () => `${uniq('good')}@example.test`)
    const ids = await Promise.all([...good, bad].map(async (t) => (await ownEmail(reminder(t))).id))
    const report = await deliverDueEmails(sql, { ids, now: at(0) })
    await api.close()
    expect(report.sent).toEqual(expect.arrayContaining(ids.slice(0, 5)))
    expect(report.failed.map((f) => f.id)).toContain(ids[5])
    expect(good.every((t) => api.delivered.get(t) === 1)).toBe(true)
  })
})

describe('delivery within an invocation\'s budget', () => {
  test('once the budget is spent, no new email is rendered: the rest is handed back as it was, for the next run', async () => {
    process.env.EMAIL_TRANSPORT = 'smtp'
    process.env.SMTP_HOST = '127.0.0.1'
    process.env.SMTP_PORT = String(stackProfile.ports.smtp)
    const ids = await Promise.all(Array.from({ length: 4 }, async () => (await ownEmail(reminder(`${uniq('budget')}@example.test`))).id))
    let rendered = 0
    // Spent after the first email: a run past its CPU budget still sends one, then stops.
    const budget = { spent: () => rendered++ >= 1 }
    const report = await deliverDueEmails(sql, { ids, now: at(0), budget })
    expect(report.stoppedBy).toBe('budget')
    expect(report.sent).toHaveLength(1)
    const rest = await sql`select status, attempts, lease_until from billing.email_outbox where id = any(${ids}::uuid[]) and id <> ${report.sent[0]}`
    expect(rest).toEqual([0, 1, 2].map(() => ({ status: 'pending', attempts: 0, lease_until: null })))
    const next = await deliverDueEmails(sql, { ids, now: at(0) })
    expect(next).toMatchObject({ stoppedBy: 'empty', retrying: [], failed: [] })
    expect(next.sent).toHaveLength(3)
  })

  test('`limit` caps one call, and says so', async () => {
    process.env.EMAIL_TRANSPORT = 'smtp'
    process.env.SMTP_HOST = '127.0.0.1'
    process.env.SMTP_PORT = String(stackProfile.ports.smtp)
    const ids = await Promise.all(Array.from({ length: 7 }, async () => (await ownEmail(reminder(`${uniq('limit')}@example.test`))).id))
    const first = await deliverDueEmails(sql, { ids, now: at(0), limit: 5 })
    expect(first.sent).toHaveLength(5)
    expect(first.stoppedBy).toBe('limit')
    expect((await deliverDueEmails(sql, { ids, now: at(0), limit: 5 })).sent).toHaveLength(2)
  })
})
