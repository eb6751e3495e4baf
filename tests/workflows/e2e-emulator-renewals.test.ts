// Renewals driven by the Stripe emulator's test clocks: a failing card's notice and reminder, a renewal paid
// on its hosted page counted once, dunning that ends in cancellation, and the receipt in the currency's units.
// (How these run: tests/helpers/emulator-workflows.ts.)
import type Stripe from 'stripe'
import { beforeAll, describe, expect, test } from 'vitest'
import { DAY, emulatedCustomer, stripe } from '../helpers/stack-stripe.ts'
import { count, e2ePlans, renewingNow, subscribe } from '../helpers/emulator-workflows.ts'
import { mailsTo } from '../helpers/mail.ts'
import { uniq } from '../helpers/stack.ts'
import { orgOf, workflowFile } from '../helpers/workflow-file.ts'

const sql = workflowFile()
const tag = uniq('e2e')
let thirtyDays: Stripe.Price
let yen: Stripe.Price
beforeAll(async () => {
  ;({ thirtyDays, yen } = await e2ePlans(tag))
})

// Each test advances test clocks and settles the stack several times: a loaded machine needs more than 30 s.
describe('billing workflows driven by the Stripe emulator', { timeout: 180_000 }, () => {
  test('a renewal whose card fails sends one payment-failed email with the amount due, and paying with a new card before the retry cancels the reminder', async () => {
    const { flow, failAt } = await renewingNow(sql, thirtyDays, `Soylent ${tag}`)
    await flow.useCard('pm_card_chargeCustomerFail')
    await flow.advanceTo(failAt + 1)
    const [failed] = (await stripe.invoices.list({ customer: flow.customer.id, status: 'open' })).data
    expect(failed).toMatchObject({ billing_reason: 'subscription_cycle', amount_due: 2900, attempt_count: 1 })
    const notices = (await mailsTo(flow.email, { atLeast: 3 })).filter((m) => m.subject === 'Payment of $29.00 failed')
    expect(notices).toHaveLength(1)
    expect(notices[0].text).toContain(failed.hosted_invoice_url!)
    expect((await orgOf(sql, flow.customer.id)).billing_status).toBe('payment_failed')

    await flow.advanceTo(failAt + 2 * DAY)
    expect(count(await flow.subjects(), /^Reminder/)).toBe(0)
    await flow.useCard('pm_card_visa')
    await flow.advanceTo(failed.next_payment_attempt! + 60)
    expect(await stripe.invoices.retrieve(failed.id)).toMatchObject({ status: 'paid', attempt_count: 2 })
    await flow.advanceTo(failAt + 6 * DAY)
    const subjects = await flow.subjects()
    expect(count(subjects, /^Reminder/)).toBe(0)
    expect(count(subjects, `Your receipt ${failed.number}`)).toBe(1)
    const [run] = await sql`select status from billing.workflow_runs where workflow_id = 'payment-failed' and trigger_key = ${`invoice:${failed.id}`}`
    expect(run.status).toBe('cancelled')
    expect((await orgOf(sql, flow.customer.id)).billing_status).toBe('active')
  })

  test('a renewal paid on its hosted page after a failed attempt counts once in revenue, and a partial refund subtracts once (issue 13 item 2)', async () => {
    const { flow, failAt } = await renewingNow(sql, thirtyDays, `Umbrella ${tag}`)
    await flow.useCard('pm_card_chargeCustomerFail')
    await flow.advanceTo(failAt + 1)
    const [failed] = (await stripe.invoices.list({ customer: flow.customer.id, status: 'open' })).data
    const page = await fetch(failed.hosted_invoice_url!, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'card=pm_card_visa' })
    expect(page.status).toBe(200)
    await flow.settle()
    const paid = await stripe.invoices.retrieve(failed.id, { expand: ['payments'] })
    const intent = paid.payments!.data[0].payment.payment_intent as string
    const metrics = async () => (await sql`select payment_key, kind, amount::int from billing.payment_metrics where customer_id = ${flow.customer.id} order by occurred_at, payment_key`)
      .map((r) => ({ ...r }))
    // The first invoice's payment and the renewal's: two payments, though the renewal took two attempts.
    let rows = await metrics()
    expect(rows.filter((r) => r.kind === 'payment').map((r) => r.amount)).toEqual([2900, 2900])
    expect(rows.map((r) => r.payment_key)).toContain(`payment:${intent}`)
    const refund = await stripe.refunds.create({ payment_intent: intent, amount: 1000 })
    await stripe.refunds.update(refund.id, { metadata: { reason: 'goodwill' } })
    await flow.settle()
    rows = await metrics()
    expect(rows.filter((r) => r.kind === 'refund')).toEqual([{ payment_key: `refund:${refund.id}`, kind: 'refund', amount: -1000 }])
    expect(rows.reduce((s, r) => s + r.amount, 0)).toBe(4800)
  })

  test('an unpaid renewal gets one notice and one reminder 3 days later however many retries fail, then the cancellation email when Stripe gives up', async () => {
    const { flow, failAt } = await renewingNow(sql, thirtyDays, `Cyberdyne ${tag}`)
    await flow.useCard('pm_card_chargeCustomerFail')
    await flow.advanceTo(failAt + 1)
    await flow.advanceTo(failAt + 3 * DAY - 3600)
    expect(count(await flow.subjects(), /^Reminder/)).toBe(0)
    // Stripe's second attempt fails at +3 days too; the product's reminder is due then.
    await flow.advanceTo(failAt + 3 * DAY + 3600)
    let subjects = await flow.subjects()
    expect(count(subjects, 'Payment of $29.00 failed')).toBe(1)
    expect(count(subjects, 'Reminder: your invoice is still unpaid')).toBe(1)
    // Attempts at +8 and +15 days fail too; after the last one Stripe cancels the subscription.
    await flow.advanceTo(failAt + 15 * DAY + 3600)
    const failures = await sql`select id from billing.stripe_events where customer_id = ${flow.customer.id} and type = 'invoice.payment_failed' and status = 'processed'`
    expect(failures).toHaveLength(4)
    subjects = await flow.subjects()
    expect(count(subjects, 'Payment of $29.00 failed')).toBe(1)
    expect(count(subjects, 'Reminder: your invoice is still unpaid')).toBe(1)
    expect(count(subjects, 'Your subscription has ended: payment failed')).toBe(1)
    const [ended] = (await mailsTo(flow.email, { atLeast: 4 })).filter((m) => m.subject === 'Your subscription has ended: payment failed')
    expect(ended.text).toContain('because we could not collect its payment')
    expect(ended.text).toContain('$29.00 is still unpaid')
    expect((await orgOf(sql, flow.customer.id)).billing_status).toBe('cancelled')
  })

  test('a paid renewal sends one receipt with its invoice number and the amount in the currency\'s units', async () => {
    const flow = await emulatedCustomer(sql, { name: `Tyrell ${tag}`, withOrganization: true })
    const sub = await subscribe(flow, yen)
    await flow.advanceTo(sub.items.data[0].current_period_end + 3600 + 60)
    const [renewal] = (await stripe.invoices.list({ customer: flow.customer.id, limit: 1 })).data
    expect(renewal).toMatchObject({ billing_reason: 'subscription_cycle', status: 'paid', amount_paid: 4900, currency: 'jpy' })
    const receipts = (await mailsTo(flow.email, { atLeast: 3 })).filter((m) => m.subject === `Your receipt ${renewal.number}`)
    expect(receipts).toHaveLength(1)
    expect(receipts[0].text).toContain('Amount paid: ¥4,900')
  })
})
