// Dunning, merging the original's two functions on a failed payment: mark the organization
// payment_failed, send one notice with the amount, due date and payment link, sleep (3 days by
// default), then send one reminder with help if the invoice is still unpaid. A paid invoice of the
// same subscription cancels the pending reminder.
import { enqueueEmail } from '../../email/outbox.ts'
import { NonRetriableError } from '../../errors.ts'
import { defineWorkflow, type WorkflowEvent } from '../define.ts'
import { appUrl, customer, idOf, organizationExpected, organizationForCustomer, settings } from './lookups.ts'

interface InvoiceObject {
  id: string
  customer: unknown
  amount_due: number
  currency: string
  due_date?: number | null
  next_payment_attempt?: number | null
  hosted_invoice_url?: string | null
  billing_reason?: string | null
  subscription?: unknown
  parent?: { subscription_details?: { subscription?: unknown } | null } | null
}

/** The invoice's subscription, in the pinned API (parent) or older ones (subscription). */
export function subscriptionOfInvoice(inv: InvoiceObject): string | null {
  return idOf(inv.parent?.subscription_details?.subscription) ?? idOf(inv.subscription)
}

const subscriptionKey = (e: WorkflowEvent) => {
  const inv = e.data.object as InvoiceObject
  return `subscription:${subscriptionOfInvoice(inv) ?? inv.id}`
}

export const paymentFailed = defineWorkflow(
  {
    id: 'payment-failed',
    triggers: ['invoice.payment_failed'],
    // A subscription's first invoice is paid on-session (Checkout, or the app confirming the payment):
    // Stripe does not retry it, and the subscription stays incomplete and expires after 23 hours.
    // Dunning is for renewals and other invoices of a subscription that has started.
    when: (e) => (e.data.object as InvoiceObject).billing_reason !== 'subscription_create',
    // One notice and one reminder per failed invoice, however many retries fail.
    key: (e) => `invoice:${(e.data.object as InvoiceObject).id}`,
    cancelKey: subscriptionKey,
    cancelOn: [
      { event: 'invoice.paid', key: subscriptionKey },
      { event: 'invoice.payment_succeeded', key: subscriptionKey },
    ],
  },
  async ({ event, step, sql, run, now }) => {
    const inv = event.data.object as InvoiceObject
    const customerId = idOf(inv.customer)
    const org = await step.run('get-organization', async () => {
      const o = await organizationForCustomer(sql, customerId)
      if (!o) {
        if (await organizationExpected(sql, subscriptionOfInvoice(inv))) throw new Error(`no organization for Stripe customer ${customerId} yet`)
        return null
      }
      return { id: o.id, name: o.name, email: o.billing_email }
    })
    if (!org) return { skipped: 'no organization for this customer' }
    await step.run('mark-payment-failed', async () => {
      await sql`update public.organizations set billing_status = 'payment_failed', last_payment_failed_at = ${new Date(event.ts)}, updated_at = now()
        where id = ${org.id} and billing_status in ('active', 'trialing', 'past_due', 'payment_failed')`
    })
    await step.run('send-payment-failed-email', async () => {
      const c = await customer(sql, customerId)
      const due = inv.due_date ?? inv.next_payment_attempt ?? null
      return await enqueueEmail(sql, {
        type: 'payment_failed',
        to: org.email ?? c?.email,
        organizationId: org.id,
        runId: run.id,
        idempotencyKey: `payment_failed:${inv.id}`,
        props: {
          organizationName: org.name,
          amountDue: inv.amount_due,
          currency: inv.currency,
          dueDate: due ? new Date(due * 1000).toISOString() : null,
          paymentUrl: inv.hosted_invoice_url ?? appUrl('/billing'),
        },
      })
    })
    const delay = await step.run('plan-reminder', async () => (await settings(sql)).payment_reminder_delay_ms)
    await step.sleep('wait-for-retry-reminder', delay)
    return await step.run('send-retry-reminder', async () => {
      const [current] = await sql<{ status: string }[]>`select status from public.stripe_invoices where id = ${inv.id}`
      if (current && current.status !== 'open') return { sent: false, reason: `invoice is ${current.status}` }
      const c = await customer(sql, customerId)
      if (!org.email && !c?.email) throw new NonRetriableError(`no email address for organization ${org.id}`)
      return await enqueueEmail(sql, {
        type: 'payment_reminder',
        to: org.email ?? c?.email,
        organizationId: org.id,
        runId: run.id,
        idempotencyKey: `payment_reminder:${inv.id}`,
        props: { organizationName: org.name, paymentUrl: inv.hosted_invoice_url ?? appUrl('/billing'), updatePaymentUrl: appUrl('/billing'), remindedAt: now().toISOString() },
      })
    })
  },
)
