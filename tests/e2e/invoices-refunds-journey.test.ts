// Invoices, card on file and refunds in a real browser against the stack (issue 17 items 4 and 5): each
// invoice row's hosted page and PDF open in a new tab and load; the card Stripe charges shows with its
// brand, last 4 and expiry and an "Update card" that reaches the portal, and a warning once its expiry
// (changed in Stripe) comes before the renewal; refunds made in Stripe (partial, one too large that
// Stripe refuses, then the rest) each send the customer one email and mark the invoice row. Screenshots
// go to test-results/screenshots/refunds-*.
import type { Page } from 'playwright-core'
import type Stripe from 'stripe'
import { describe, expect, it } from 'vitest'
import { stripeFor } from '../../dev/stack/stripe.ts'
import { EMULATOR, browserJourney, mailWithSubject, shot, subscribedCustomer } from '../helpers/browser-journey.ts'
import { mailsTo } from '../helpers/mail.ts'
import { stackProfile } from '../helpers/stack.ts'

const journey = browserJourney()
const stripe = stripeFor(stackProfile)

/** Reloads the page until `read` answers what `ok` wants (the sync and the workflows run on their own). */
async function pageWhen<T>(page: Page, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 90_000): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    await page.reload()
    await page.getByTestId('status-badge').waitFor({ timeout: 20_000 })
    const v = await read().catch(() => undefined as T)
    if (v !== undefined && ok(v)) return v
    if (Date.now() > end) throw new Error(`the page never showed what was awaited (last: ${String(v)})`)
    await new Promise((r) => setTimeout(r, 1500))
  }
}

/** The PaymentIntent that paid the customer's first invoice, and that invoice. */
async function paidInvoice(customerId: string): Promise<{ invoice: Stripe.Invoice; intent: string }> {
  const [first] = (await stripe.invoices.list({ customer: customerId, status: 'paid' })).data
  const invoice = await stripe.invoices.retrieve(first.id, { expand: ['payments'] })
  return { invoice, intent: invoice.payments!.data.find((p) => p.status === 'paid')!.payment.payment_intent as string }
}

describe('invoices, the card on file and refunds in a browser', () => {
  it('opens each invoice\'s hosted page and PDF in a new tab, shows the card with "Update card", and warns when it expires before the renewal', { timeout: 300_000 }, async () => {
    const { context, page, customerId } = await subscribedCustomer(journey.browser, stripe, journey.sql, 'Cardholder', 3900)
    // A one-off invoice beside the subscription's, paid: two rows, each with its own links.
    await stripe.invoiceItems.create({ customer: customerId, amount: 1500, currency: 'usd', description: 'Onboarding' })
    const oneOff = await stripe.invoices.create({ customer: customerId, pending_invoice_items_behavior: 'include' })
    await stripe.invoices.finalizeInvoice(oneOff.id)
    await stripe.invoices.pay(oneOff.id)
    const rows = page.getByTestId('invoices').locator('tbody tr')
    await pageWhen(page, () => rows.count(), (n) => n === 2)
    await shot(page, 'refunds-1-invoices-and-card')
    for (let i = 0; i < (await rows.count()); i++) {
      const number = (await rows.nth(i).locator('th').textContent())!
      for (const [name, loads] of [[`View invoice ${number}`, /text\/html/], [`Download invoice ${number} as PDF`, /application\/pdf/]] as const) {
        const link = rows.nth(i).getByRole('link', { name: `${name} (opens in a new tab)` })
        expect(await link.getAttribute('target')).toBe('_blank')
        expect(await link.getAttribute('rel')).toContain('noopener')
        const href = (await link.getAttribute('href'))!
        expect(href.startsWith(`${EMULATOR}/`), href).toBe(true)
        const answered = context.waitForEvent('response', { predicate: (r) => r.url() === href, timeout: 30_000 })
        const [tab] = await Promise.all([context.waitForEvent('page'), link.click()])
        const response = await answered
        expect(response.status(), href).toBe(200)
        expect(response.headers()['content-type'], href).toMatch(loads)
        if (loads.source === 'text\\/html') {
          await tab.waitForLoadState()
          expect(await tab.textContent('body')).toContain(number)
          await shot(tab, 'refunds-2-hosted-invoice')
        } else {
          // The tab shows Chromium's PDF viewer; the file it loaded is a PDF.
          expect((await (await context.request.get(href)).body()).subarray(0, 5).toString()).toBe('%PDF-')
          await shot(tab, 'refunds-2-invoice-pdf')
        }
        expect(tab.url()).not.toContain('/billing/')
        if (!tab.isClosed()) await tab.close()
      }
    }

    // The card Stripe charges, as Stripe has it; "Update card" leads to the portal.
    const [sub] = (await stripe.subscriptions.list({ customer: customerId, expand: ['data.default_payment_method', 'data.customer'] })).data
    const pm = (sub.default_payment_method ?? (sub.customer as Stripe.Customer).invoice_settings.default_payment_method) as Stripe.PaymentMethod
    const expiry = (m: number, y: number) => `expires ${String(m).padStart(2, '0')}/${y}`
    const card = page.getByTestId('payment-method')
    expect(await card.textContent()).toContain(`Visa ending in ${pm.card!.last4}, ${expiry(pm.card!.exp_month, pm.card!.exp_year)}`)
    expect(await page.getByTestId('card-expiring').count()).toBe(0)
    await card.getByRole('button', { name: 'Update card' }).click()
    await page.waitForURL(`${EMULATOR}/portal/**`)
    await shot(page, 'refunds-3-update-card-portal')
    await page.goBack()

    // The bank renews the card with an expiry this month, before the renewal: Stripe updates it, the sync
    // brings it, and the page warns.
    const periodStart = new Date(sub.items.data[0].current_period_start * 1000)
    const [month, year] = [periodStart.getUTCMonth() + 1, periodStart.getUTCFullYear()]
    await stripe.paymentMethods.update(pm.id, { card: { exp_month: month, exp_year: year } })
    await pageWhen(page, () => card.textContent(), (t) => !!t?.includes(expiry(month, year)))
    expect(await page.getByTestId('card-expiring').textContent()).toBe('This card expires before your next renewal. Update it to keep your subscription active.')
    await shot(page, 'refunds-4-card-expiring')
    await context.close()
  })

  it('a partial refund, one too large that Stripe refuses, then the rest: one email each and the row marked', { timeout: 300_000 }, async () => {
    const { context, page, email, customerId } = await subscribedCustomer(journey.browser, stripe, journey.sql, 'Refundee', 2900)
    const { invoice, intent } = await paidInvoice(customerId)
    const mark = page.getByTestId(`refund-${invoice.id}`)

    await stripe.refunds.create({ payment_intent: intent, amount: 1000 })
    const partial = await mailWithSubject(email, `Refund of $10.00 on invoice ${invoice.number}`)
    expect(partial.text).toContain('refunded part of invoice')
    await pageWhen(page, () => mark.textContent(), (t) => t === 'Partially refunded, $10.00')
    await shot(page, 'refunds-5-partially-refunded')

    // More than is left: Stripe's refusal, and nothing changes in Stripe, the mirror or the mail.
    await expect(stripe.refunds.create({ payment_intent: intent, amount: 2000 }))
      .rejects.toMatchObject({ statusCode: 400, param: 'amount', message: 'Refund amount ($20.00) is greater than unrefunded amount on charge ($19.00)' })
    expect((await stripe.refunds.list({ payment_intent: intent })).data.map((r) => r.amount)).toEqual([1000])

    await stripe.refunds.create({ payment_intent: intent })
    const rest = await mailWithSubject(email, `Refund of $19.00 on invoice ${invoice.number}`)
    expect(rest.html).toContain(invoice.number!)
    await pageWhen(page, () => mark.textContent(), (t) => t === 'Refunded')
    await shot(page, 'refunds-6-refunded')
    const refundMails = (await mailsTo(email, { atLeast: 1 })).filter((m) => m.subject.startsWith('Refund of'))
    expect(refundMails.map((m) => m.subject).sort()).toEqual([`Refund of $10.00 on invoice ${invoice.number}`, `Refund of $19.00 on invoice ${invoice.number}`])
    expect((await journey.sql`select count(*)::int as n from billing.email_outbox where email_type = 'refund_issued' and to_email = ${email}`)[0].n).toBe(2)
    await context.close()
  })
})
