// Refund emails (issue 17 item 4): one per refund that succeeded, whatever its events do (duplicated,
// out of order, a pending refund that later succeeds); none for a refund that failed, or that no
// mirrored invoice's payment explains.
import { afterAll, describe, expect, test } from 'vitest'
import { customerWithUser, handOver, invoice, settle, subscription, useStackEnv } from '../helpers/billing.ts'
import { mailsTo } from '../helpers/mail.ts'
import { holdProductClockForFile } from '../helpers/product-clock.ts'
import { adminSql } from '../helpers/stack.ts'

const sql = adminSql()
holdProductClockForFile(useStackEnv)
afterAll(async () => {
  await sql.end()
})

async function paidInvoice(name: string) {
  const c = await customerWithUser(sql, name)
  const sub = subscription(c)
  await handOver(sql, 'customer.subscription.created', sub)
  const pi = `pi_rf_${Date.now()}_${Math.random().toString(36).slice(2, 8)}`
  const inv = invoice(c, sub.id, { amount_paid: 4900, amount_remaining: 0, status: 'paid', payments: { data: [{ status: 'paid', amount_paid: 4900, payment: { type: 'payment_intent', payment_intent: pi } }] } })
  await handOver(sql, 'invoice.payment_succeeded', inv)
  await settle(sql)
  const refund = (id: string, status: string, amount: number) => ({ id, object: 'refund', amount, currency: 'usd', status, payment_intent: pi, charge: `ch_${pi}`, created: Math.floor(Date.now() / 1000) })
  return { c, inv, pi, refund }
}

/** The refund mails, once maildev holds every email the outbox sent to the address (it stores a mail a moment after accepting it). */
const refundMails = async (email: string) => {
  const [{ sent }] = await sql<{ sent: number }[]>`select count(*)::int as sent from billing.email_outbox where to_email = ${email} and status = 'sent'`
  return (await mailsTo(email, { atLeast: sent })).filter((m) => m.subject.startsWith('Refund of'))
}
const outboxRows = async (orgEmail: string) =>
  await sql`select idempotency_key from billing.email_outbox where email_type = 'refund_issued' and to_email = ${orgEmail} order by idempotency_key`

// Tests settle the stack (up to 45 s each, settle()) and often more than once: more than the 30 s default.
describe('refund emails', { timeout: 120_000 }, () => {
  test('a partial and a full refund each send one email, however their events are duplicated or reordered', async () => {
    const { c, inv, refund } = await paidInvoice('Refundco')
    const [partial, rest] = [`re_p_${Date.now()}`, `re_r_${Date.now()}`]
    // The partial refund: its success arrives before its creation (pending), then again, twice.
    await handOver(sql, 'refund.updated', refund(partial, 'succeeded', 1000))
    await handOver(sql, 'refund.created', refund(partial, 'pending', 1000))
    await handOver(sql, 'refund.updated', refund(partial, 'succeeded', 1000))
    await settle(sql)
    await handOver(sql, 'refund.updated', refund(partial, 'succeeded', 1000))
    // The rest: pending first, then succeeded, delivered twice in one batch.
    await handOver(sql, 'refund.created', refund(rest, 'pending', 3900))
    await handOver(sql, 'refund.updated', refund(rest, 'succeeded', 3900))
    await handOver(sql, 'refund.updated', refund(rest, 'succeeded', 3900))
    await settle(sql)
    expect((await outboxRows(c.email)).map((r) => r.idempotency_key)).toEqual([`refund:${partial}`, `refund:${rest}`].sort())
    const mails = await refundMails(c.email)
    expect(mails.map((m) => m.subject).sort()).toEqual([`Refund of $10.00 on invoice ${inv.number}`, `Refund of $39.00 on invoice ${inv.number}`])
    expect(mails.find((m) => m.subject.includes('$10.00'))!.text).toContain('refunded part of invoice')
  })

  test('a pending refund that fails sends nothing; a refund of all that was paid says so', async () => {
    const { c, inv, refund } = await paidInvoice('Failco')
    const [failed, full] = [`re_f_${Date.now()}`, `re_full_${Date.now()}`]
    await handOver(sql, 'refund.created', refund(failed, 'pending', 4900))
    await handOver(sql, 'refund.failed', refund(failed, 'failed', 4900))
    await handOver(sql, 'refund.updated', refund(failed, 'failed', 4900))
    await handOver(sql, 'refund.created', refund(full, 'succeeded', 4900))
    await settle(sql)
    const mails = await refundMails(c.email)
    expect(mails.map((m) => m.subject)).toEqual([`Refund of $49.00 on invoice ${inv.number}`])
    expect(mails[0].text).toContain(`refunded the full amount of invoice ${inv.number}`)
  })

  test('a refund of a payment no mirrored invoice was paid by sends nothing', async () => {
    const c = await customerWithUser(sql, 'Strayco')
    await handOver(sql, 'customer.subscription.created', subscription(c))
    await handOver(sql, 'refund.created', { id: `re_s_${Date.now()}`, object: 'refund', amount: 500, currency: 'usd', status: 'succeeded', payment_intent: `pi_none_${Date.now()}`, customer: c.id })
    await settle(sql)
    expect(await outboxRows(c.email)).toEqual([])
  })
})
