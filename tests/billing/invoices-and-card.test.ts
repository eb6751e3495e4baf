// Issue 17 items 4 and 5 through the billing function and the Stripe emulator: the card on file and
// each invoice's PDF and hosted page come from Stripe via the sync; a refund made in Stripe marks the
// invoice and sends one email per refund.
import type Stripe from 'stripe'
import { afterAll, describe, expect, it } from 'vitest'
import { stripeFor } from '../../dev/stack/stripe.ts'
import type { Overview } from '../../supabase/functions/_shared/billing/api-types.ts'
import { cardExpiresAt, cardOnFile } from '../../supabase/functions/_shared/billing/payment-details.ts'
import { api, mirroredPlan, signUp, subscribedOrg } from '../helpers/billing-api.ts'
import { settle, useStackEnv } from '../helpers/billing.ts'
import { mailsTo } from '../helpers/mail.ts'
import { holdProductClockForFile } from '../helpers/product-clock.ts'
import { adminSql, stackProfile, uniq } from '../helpers/stack.ts'

const sql = adminSql()
const stripe = stripeFor(stackProfile)
let price: Stripe.Price

interface Paid { token: string; orgId: string; customerId: string; billingEmail: string }

/** Each test's own owner and organization, paid through Checkout and synced: no test sees another's refunds. */
async function paidOrg(): Promise<Paid> {
  const owner = await signUp('inv')
  const { orgId, customerId } = await subscribedOrg(sql, owner, price.id, uniq('Refund Co'))
  await api(owner.token, 'POST', `/organizations/${orgId}/sync`)
  const [org] = await sql`select coalesce(billing_email, ${owner.email}) as email from public.organizations where id = ${orgId}`
  return { token: owner.token, orgId, customerId, billingEmail: org.email }
}

/** The overview once `ok` holds of it, running due workflow work meanwhile (generous: the machine is loaded). */
async function overviewWhen(p: Paid, what: string, ok: (o: Overview) => boolean, timeoutMs = 60_000): Promise<Overview> {
  const end = Date.now() + timeoutMs
  for (;;) {
    await settle(sql)
    const o = (await api(p.token, 'GET', `/organizations/${p.orgId}`)).body as Overview
    if (ok(o)) return o
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(o.invoices)}`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

holdProductClockForFile(async () => {
  useStackEnv()
  price = await mirroredPlan(sql, stripe, 4200)
}, 60_000)
afterAll(async () => {
  await sql.end()
})

describe('card on file and invoice links', () => {
  it('shows the card Stripe charges, and links each invoice to its hosted page and a real PDF', async () => {
    const p = await paidOrg()
    const customerId = p.customerId
    const o = await overviewWhen(p, 'the card on file', (x) => x.payment_method !== null)
    const [sub] = (await stripe.subscriptions.list({ customer: customerId, expand: ['data.default_payment_method'] })).data
    const card = (sub.default_payment_method as Stripe.PaymentMethod).card!
    expect(o.payment_method).toEqual({ brand: card.brand, last4: '4242', exp_month: card.exp_month, exp_year: card.exp_year, expires_before_renewal: false })
    const [inv] = o.invoices
    const stripeInvoice = await stripe.invoices.retrieve(inv.id)
    expect(inv).toMatchObject({ hosted_invoice_url: stripeInvoice.hosted_invoice_url, invoice_pdf: stripeInvoice.invoice_pdf, amount_refunded: 0 })
    const pdf = await fetch(inv.invoice_pdf!)
    expect(pdf.headers.get('content-type')).toMatch(/application\/pdf/)
    expect(new TextDecoder().decode((await pdf.arrayBuffer()).slice(0, 5))).toBe('%PDF-')
    expect((await fetch(inv.hosted_invoice_url!)).status).toBe(200)
  }, 90_000)

  it('warns when the card expires before the renewal charges it (the end of its expiry month)', { timeout: 60_000 }, async () => {
    const { customerId } = await paidOrg()
    const [sub] = await sql`select id from public.stripe_subscriptions where customer_id = ${customerId}`
    const { exp_month, exp_year } = (await cardOnFile(sql, customerId, sub.id, null))!
    const expires = cardExpiresAt({ exp_month, exp_year })
    expect(expires.toISOString()).toBe(new Date(Date.UTC(exp_year, exp_month, 1)).toISOString())
    expect((await cardOnFile(sql, customerId, sub.id, new Date(expires.getTime() - 1)))!.expires_before_renewal).toBe(false)
    expect((await cardOnFile(sql, customerId, sub.id, expires))!.expires_before_renewal).toBe(true)
    // Without the subscription, the customer's default for invoices (set by Checkout) is the card on file.
    expect((await cardOnFile(sql, customerId, null, null))!.last4).toBe('4242')
  })
})

describe('refunds made in Stripe', () => {
  it('a partial then a full refund mark the invoice and send one email each', async () => {
    const p = await paidOrg()
    const o = await overviewWhen(p, 'a paid invoice', (x) => x.invoices[0]?.status === 'paid')
    const inv = await stripe.invoices.retrieve(o.invoices[0].id, { expand: ['payments'] })
    const intent = inv.payments!.data[0].payment.payment_intent as string
    const first = await stripe.refunds.create({ payment_intent: intent, amount: 1000 })
    await stripe.refunds.update(first.id, { metadata: { reason: 'goodwill' } })
    const partly = await overviewWhen(p, 'the partial refund', (x) => x.invoices[0].amount_refunded === 1000)
    expect(partly.invoices[0]).toMatchObject({ id: inv.id, amount_paid: 4200, amount_refunded: 1000 })
    await stripe.refunds.create({ payment_intent: intent })
    await overviewWhen(p, 'the full refund', (x) => x.invoices[0].amount_refunded === 4200)
    await settle(sql)
    const mails = (await mailsTo(p.billingEmail, { atLeast: 3, timeoutMs: 20_000 })).filter((m) => m.subject.startsWith('Refund of'))
    expect(mails.map((m) => m.subject).sort()).toEqual([`Refund of $10.00 on invoice ${inv.number}`, `Refund of $32.00 on invoice ${inv.number}`])
  }, 180_000)
})
