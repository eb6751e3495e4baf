// Draining the outbox at the transport's limit (SMTP in one run, Resend in paced batches of up to 100, a
// lost answer or a refused batch handled without a second delivery) and within an invocation's budget.
import { afterAll, afterEach, describe, expect, test } from 'vitest'
import { deliverDueEmails } from '../../supabase/functions/_shared/email/outbox.ts'
import { fakeResendBatch } from '../helpers/fake-resend.ts'
import { mailsTo } from '../helpers/mail.ts'
import { at, ownEmail, reminder, restoreEmailEnvAfterEach } from '../helpers/outbox.ts'
import { adminSql, stackProfile, uniq } from '../helpers/stack.ts'

const sql = adminSql()
restoreEmailEnvAfterEach()
afterAll(() => sql.end())

describe('draining the outbox at the transport\'s limit', () => {
  afterEach(() => {
    delete process.env.RESEND_REQUESTS_PER_SECOND
  })

  test('one worker run sends every due email over SMTP, not 20 of them', async () => {
    process.env.EMAIL_TRANSPORT = 'smtp'
    process.env.SMTP_HOST = '127.0.0.1'
    process.env.SMTP_PORT = String(stackProfile.ports.smtp)
    const to = Array.from({ length: 45 }, () => `${uniq('smtpdrain')}@example.test`)
    const ids = await Promise.all(to.map(async (t) => (await ownEmail(sql, reminder(t))).id))
    const report = await deliverDueEmails(sql, { ids, now: at(0) })
    expect(report.sent.sort()).toEqual([...ids].sort())
    expect(await sql`select count(*)::int as n from billing.email_outbox where id = any(${ids}::uuid[]) and status = 'sent'`).toEqual([{ n: 45 }])
    for (const t of [to[0], to[44]]) expect(await mailsTo(t)).toHaveLength(1)
  })

  test('Resend gets batches of up to 100 emails, each under its own Idempotency-Key, paced to its rate limit', async () => {
    const api = await fakeResendBatch()
    process.env.RESEND_REQUESTS_PER_SECOND = '4'
    const to = Array.from({ length: 150 }, () => `${uniq('batch')}@example.test`)
    const ids = await Promise.all(to.map(async (t) => (await ownEmail(sql, reminder(t))).id))
    const report = await deliverDueEmails(sql, { ids, now: at(0) })
    await api.close()
    expect(report.sent.sort()).toEqual([...ids].sort())
    const mine = api.calls.filter((c) => c.to.some((t) => to.includes(t)))
    expect(mine.map((c) => c.to.length).sort((a, b) => b - a)).toEqual([100, 50])
    expect(new Set(mine.map((c) => c.key)).size).toBe(2)
    expect(mine.every((c) => c.key.startsWith('batch:'))).toBe(true)
    // 4 requests/s: the calls start 250 ms apart. Measured at the fake provider, the first call's own
    // lease of its rows (before its request) can shorten the gap by some ms on a busy machine (238 seen);
    // without pacing it is a few ms, so 200 still tells the two apart.
    expect(mine[1].at - mine[0].at).toBeGreaterThanOrEqual(200)
    const rows = await sql`select status, provider_message_id, batch_key from billing.email_outbox where id = any(${ids}::uuid[])`
    expect(rows.every((r) => r.status === 'sent' && r.provider_message_id?.startsWith('msg_') && r.batch_key)).toBe(true)
    expect(to.every((t) => api.delivered.get(t) === 1)).toBe(true)
  })

  test('a batch whose answer was lost is sent again with the same members and key, and delivered once', async () => {
    const api = await fakeResendBatch({ drop: 1 })
    const to = Array.from({ length: 30 }, () => `${uniq('lost')}@example.test`)
    const ids = await Promise.all(to.map(async (t) => (await ownEmail(sql, reminder(t))).id))
    const first = await deliverDueEmails(sql, { ids, now: at(0) })
    expect(first.retrying.map((r) => r.id).sort()).toEqual([...ids].sort())
    // Another email becomes due meanwhile: it must not join the batch Resend has already seen.
    const extra = `${uniq('late')}@example.test`
    const { id: extraId } = await ownEmail(sql, reminder(extra))
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
    const ids = await Promise.all([...good, bad].map(async (t) => (await ownEmail(sql, reminder(t))).id))
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
    const ids = await Promise.all(Array.from({ length: 4 }, async () => (await ownEmail(sql, reminder(`${uniq('budget')}@example.test`))).id))
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
    const ids = await Promise.all(Array.from({ length: 7 }, async () => (await ownEmail(sql, reminder(`${uniq('limit')}@example.test`))).id))
    const first = await deliverDueEmails(sql, { ids, now: at(0), limit: 5 })
    expect(first.sent).toHaveLength(5)
    expect(first.stoppedBy).toBe('limit')
    expect((await deliverDueEmails(sql, { ids, now: at(0), limit: 5 })).sent).toHaveLength(2)
  })
})
