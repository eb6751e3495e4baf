// Payment metrics: each payment counted once whatever events report it, refunds subtracted once. End to end
// from the sync's hand-off: the organization's state in Postgres and the emails in maildev, with the clock
// moved forward for the timed steps.
import { describe, expect, test } from 'vitest'
import { handOver, invoice, mirror, settle } from '../helpers/billing.ts'
import { subscribed, workflowFile } from '../helpers/workflow-file.ts'

const sql = workflowFile()

// Tests settle the stack (up to 45 s each, settle()) and often more than once: more than the 30 s default.
describe('billing workflows', { timeout: 120_000 }, () => {
  test('one payment seen as invoice.payment_succeeded and charge.succeeded is one metric', async () => {
    const { c, sub } = await subscribed(sql)
    const pi = `pi_${Date.now()}`
    await handOver(sql, 'invoice.payment_succeeded', { ...invoice(c, sub.id), amount_paid: 4900, status: 'paid', payments: { data: [{ status: 'paid', amount_paid: 4900, payment: { type: 'payment_intent', payment_intent: pi } }] } })
    await handOver(sql, 'charge.succeeded', { id: `ch_${Date.now()}`, object: 'charge', customer: c.id, amount: 4900, currency: 'usd', payment_intent: pi })
    await settle(sql)
    const rows = await sql`select amount, currency from billing.payment_metrics where payment_key = ${`payment:${pi}`}`
    expect(rows).toEqual([{ amount: '4900', currency: 'usd' }])
  })

  test('an invoice event without payments still counts once beside its charge, through the mirrored invoice', async () => {
    const { c, sub } = await subscribed(sql)
    const pi = `pi_mirror_${Date.now()}`
    const inv = { ...invoice(c, sub.id), amount_paid: 4900, status: 'paid' }
    // The sync fetched the invoice with its payments; the event's payload (as Stripe sends it) has none.
    const fetched = { ...inv, payments: { object: 'list', data: [{ status: 'paid', amount_paid: 4900, payment: { type: 'payment_intent', payment_intent: pi } }] } }
    await mirror(sql, fetched)
    await handOver(sql, 'charge.succeeded', { id: `ch_${Date.now()}`, object: 'charge', customer: c.id, amount: 4900, currency: 'usd', payment_intent: pi })
    await handOver(sql, 'invoice.payment_succeeded', inv, undefined, { mirror: false })
    await settle(sql)
    const rows = await sql`select payment_key from billing.payment_metrics where customer_id = ${c.id}`
    expect(rows).toEqual([{ payment_key: `payment:${pi}` }])
  })

  test('an invoice paid with a second payment after a failed one counts once, under the paid payment (issue 13 item 2)', async () => {
    const { c, sub } = await subscribed(sql)
    const [failed, paid] = [`pi_failed_${Date.now()}`, `pi_paid_${Date.now()}`]
    // Newest first, as Stripe lists them: the paid payment, then the attempt that failed and was canceled.
    const payments = { data: [
      { status: 'paid', amount_paid: 4900, payment: { type: 'payment_intent', payment_intent: paid } },
      { status: 'canceled', amount_paid: null, payment: { type: 'payment_intent', payment_intent: failed } },
    ] }
    await handOver(sql, 'charge.failed', { id: `ch_f_${Date.now()}`, object: 'charge', customer: c.id, amount: 4900, currency: 'usd', status: 'failed', payment_intent: failed })
    await handOver(sql, 'invoice.payment_succeeded', { ...invoice(c, sub.id), amount_paid: 4900, status: 'paid', payments: { data: [...payments.data].reverse() } })
    await handOver(sql, 'charge.succeeded', { id: `ch_p_${Date.now()}`, object: 'charge', customer: c.id, amount: 4900, amount_captured: 4900, captured: true, currency: 'usd', status: 'succeeded', payment_intent: paid })
    await settle(sql)
    const rows = await sql`select payment_key, amount from billing.payment_metrics where customer_id = ${c.id}`
    expect(rows).toEqual([{ payment_key: `payment:${paid}`, amount: '4900' }])
  })

  test('a charge that did not succeed or was not captured collects nothing', async () => {
    const { c } = await subscribed(sql)
    await handOver(sql, 'charge.succeeded', { id: `ch_u_${Date.now()}`, object: 'charge', customer: c.id, amount: 4900, amount_captured: 0, captured: false, currency: 'usd', status: 'succeeded', payment_intent: `pi_u_${Date.now()}` })
    await handOver(sql, 'charge.succeeded', { id: `ch_x_${Date.now()}`, object: 'charge', customer: c.id, amount: 4900, currency: 'usd', status: 'failed', payment_intent: `pi_x_${Date.now()}` })
    await settle(sql)
    expect(await sql`select payment_key from billing.payment_metrics where customer_id = ${c.id}`).toEqual([])
  })

  test('a refund subtracts once however many of its events arrive; a failed refund subtracts nothing, even before a late success', async () => {
    const { c, sub } = await subscribed(sql)
    const pi = `pi_r_${Date.now()}`
    const refund = (id: string, status: string, amount = 1000) => ({ id, object: 'refund', amount, currency: 'usd', status, customer: c.id, payment_intent: pi, charge: `ch_${pi}`, created: Math.floor(Date.now() / 1000) })
    await handOver(sql, 'invoice.payment_succeeded', { ...invoice(c, sub.id), amount_paid: 4900, status: 'paid', payments: { data: [{ status: 'paid', amount_paid: 4900, payment: { type: 'payment_intent', payment_intent: pi } }] } })
    const [ok, bad] = [`re_ok_${Date.now()}`, `re_bad_${Date.now()}`]
    await handOver(sql, 'refund.created', refund(ok, 'succeeded'))
    await handOver(sql, 'refund.updated', refund(ok, 'succeeded'))
    await handOver(sql, 'refund.created', refund(ok, 'succeeded'))
    await handOver(sql, 'refund.created', refund(bad, 'pending', 500))
    await handOver(sql, 'refund.failed', refund(bad, 'failed', 500))
    await handOver(sql, 'refund.updated', refund(bad, 'succeeded', 500))
    await settle(sql)
    const rows = await sql`select payment_key, kind, amount, refunded_payment_key from billing.payment_metrics where customer_id = ${c.id} order by kind, payment_key`
    expect(rows).toEqual([
      { payment_key: `payment:${pi}`, kind: 'payment', amount: '4900', refunded_payment_key: null },
      { payment_key: `refund:${bad}`, kind: 'refund', amount: '0', refunded_payment_key: `payment:${pi}` },
      { payment_key: `refund:${ok}`, kind: 'refund', amount: '-1000', refunded_payment_key: `payment:${pi}` },
    ])
    const [net] = await sql`select sum(amount)::int as net from billing.payment_metrics where customer_id = ${c.id}`
    expect(net.net).toBe(3900)
  })
})
