// An invoice paid: record the payment and next billing date, send the receipt, and apply the new
// plan's limits if the plan changed. Its arrival also cancels the pending dunning reminder of the
// subscription (payment-failed's cancelOn). invoice.paid and invoice.payment_succeeded are one run. The
// event names the invoice; its number, amount, payment time and link come from the mirror (Stripe's state).
import { enqueueEmail } from '../../email/outbox.ts'
import { defineWorkflow } from '../define.ts'
import { keyOf } from '../keys.ts'
import { customer, idOf, mirroredInvoice, organizationExpected, organizationForCustomer } from './lookups.ts'
import { subscriptionOfInvoice } from './payment-failed.ts'
import { invoiceDiscount } from '../../billing/discounts.ts'

/** What the payload is read for: routing only (which invoice, customer and subscription). */
interface PaidInvoice {
  id: string
  customer: unknown
}

export const invoicePaid = defineWorkflow(
  { id: 'invoice-paid', triggers: ['invoice.paid', 'invoice.payment_succeeded'], key: (e) => keyOf('invoice', (e.data.object as PaidInvoice).id) },
  async ({ event, step, sql, run }) => {
    const inv = event.data.object as PaidInvoice
    const customerId = idOf(inv.customer)
    const subscriptionId = subscriptionOfInvoice(inv as never)
    const paid = await step.run('read-invoice', async () => {
      const m = await mirroredInvoice(sql, inv.id, customerId)
      if (!m || m.status !== 'paid') return null
      const [row] = await sql<{ raw: unknown }[]>`select raw from public.stripe_invoices where id = ${inv.id}`
      return {
        discount: invoiceDiscount(row?.raw),
        number: m.number ?? m.id,
        amountPaid: m.amount_paid,
        currency: m.currency,
        billingReason: m.billing_reason,
        hostedInvoiceUrl: m.hosted_invoice_url,
        paidAt: (m.paid_at ?? new Date(event.ts)).toISOString(),
      }
    })
    if (!paid) return { skipped: `Stripe has no paid invoice ${inv.id} of ${customerId}` }
    const paidAt = new Date(paid.paidAt)
    const org = await step.run('update-billing-status', async () => {
      const o = await organizationForCustomer(sql, customerId)
      if (!o) {
        // A new customer's first invoice is handed over with its subscription, whose subscription-created
        // run makes the organization and may not have run yet: retry (as payment-failed does) rather
        // than lose the receipt. Otherwise no organization is coming.
        if (await organizationExpected(sql, subscriptionId)) throw new Error(`no organization for Stripe customer ${customerId} yet`)
        return null
      }
      await sql`select billing.service_role_record_payment(${o.id}, ${paidAt}, ${subscriptionId})`
      return { id: o.id, name: o.name, email: o.billing_email }
    })
    if (!org) return { skipped: 'no organization for this customer' }
    if (paid.amountPaid > 0) {
      await step.run('send-payment-receipt', async () => {
        const c = await customer(sql, customerId)
        return await enqueueEmail(sql, {
          type: 'receipt',
          to: org.email ?? c?.email,
          organizationId: org.id,
          runId: run.id,
          idempotencyKey: `receipt:${inv.id}`,
          props: {
            organizationName: org.name,
            invoiceNumber: paid.number,
            amountPaid: paid.amountPaid,
            currency: paid.currency,
            paidAt: paid.paidAt,
            receiptUrl: paid.hostedInvoiceUrl ?? null,
            discount: paid.discount ?? null,
          },
        })
      })
    }
    if (paid.billingReason === 'subscription_update' && subscriptionId) {
      await step.run('update-usage-limits', async () => {
        await sql`select billing.service_role_take_subscription_plan(${org.id}, ${subscriptionId})`
        return { applied: true }
      })
    }
    return { organizationId: org.id }
  },
)
