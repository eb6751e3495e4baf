// Dunning, merging the original's two functions on a failed payment: mark the organization
// payment_failed, send one notice with the amount, due date and payment link, sleep (3 days by
// default), then send one reminder with help if the invoice is still unpaid. A paid invoice of the
// same subscription cancels the pending reminder. The event names the invoice that failed; its amount,
// due date, link and status come from the mirror (Stripe's state when the run reads it), never from the
// payload, which may be days old when a retry runs it.
import type postgres from 'postgres'
import { enqueueEmail } from '../../email/outbox.ts'
import { NonRetriableError } from '../../errors.ts'
import { defineWorkflow, type WorkflowEvent } from '../define.ts'
import { keyOf } from '../keys.ts'
import { billingUrl } from '../../app-urls.ts'
import { customer, idOf, mirroredInvoice, organizationExpected, organizationForCustomer, settings } from './lookups.ts'

/** What the payload is read for: routing only (which invoice, customer and subscription). */
interface InvoiceObject {
  id: string
  customer: unknown
  billing_reason?: string | null
  parent?: { subscription_details?: { subscription?: unknown } | null } | null
}

/** The invoice's subscription: under `parent` in the pinned API (invoices have no `subscription` field). */
export function subscriptionOfInvoice(inv: InvoiceObject): string | null {
  return idOf(inv.parent?.subscription_details?.subscription)
}

const subscriptionKey = (e: WorkflowEvent) => {
  const inv = e.data.object as InvoiceObject
  return keyOf('subscription', subscriptionOfInvoice(inv) ?? inv.id)
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
    key: (e) => keyOf('invoice', (e.data.object as InvoiceObject).id),
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
    // Stripe's invoice now: a payment that failed but was paid (or voided) since sends nothing.
    const open = await step.run('check-invoice-unpaid', async () => {
      const m = await mirroredInvoice(sql, inv.id, customerId)
      return m ? { open: m.status === 'open', status: m.status } : { open: false, status: 'unknown to Stripe' }
    })
    if (!open.open) return { skipped: `invoice ${inv.id} is ${open.status}` }
    await step.run('mark-payment-failed', async () => {
      // The event's time is when Stripe saw the payment fail: a fact kept as it was.
      await sql`select billing.service_role_mark_payment_failed(${org.id}, ${new Date(event.ts)})`
    })
    await step.run('send-payment-failed-email', async () => {
      const c = await customer(sql, customerId)
      const m = await mirroredInvoice(sql, inv.id, customerId)
      if (!m || m.status !== 'open') return { sent: false, reason: `invoice is ${m?.status ?? 'unknown to Stripe'}` }
      return await enqueueEmail(sql, {
        type: 'payment_failed',
        to: org.email ?? c?.email,
        organizationId: org.id,
        runId: run.id,
        idempotencyKey: `payment_failed:${inv.id}`,
        props: {
          organizationName: org.name,
          amountDue: m.amount_remaining ?? m.amount_due,
          currency: m.currency,
          dueDate: payBy(m, now())?.toISOString() ?? null,
          paymentUrl: m.hosted_invoice_url ?? billingUrl(org.id),
          newCardBecomesDefault: await savesPayingCard(sql, m.subscription_id),
        },
      })
    })
    const delay = await step.run('plan-reminder', async () => (await settings(sql)).payment_reminder_delay_ms)
    await step.sleep('wait-for-retry-reminder', delay)
    return await step.run('send-retry-reminder', async () => {
      const m = await mirroredInvoice(sql, inv.id, customerId)
      if (!m || m.status !== 'open') return { sent: false, reason: `invoice is ${m?.status ?? 'unknown to Stripe'}` }
      const c = await customer(sql, customerId)
      if (!org.email && !c?.email) throw new NonRetriableError(`no email address for organization ${org.id}`)
      return await enqueueEmail(sql, {
        type: 'payment_reminder',
        to: org.email ?? c?.email,
        organizationId: org.id,
        runId: run.id,
        idempotencyKey: `payment_reminder:${inv.id}`,
        props: {
          organizationName: org.name,
          paymentUrl: m.hosted_invoice_url ?? billingUrl(org.id),
          updatePaymentUrl: billingUrl(org.id),
          remindedAt: now().toISOString(),
        },
      })
    })
  },
)

/** Whether Stripe will make the card that pays this subscription's invoice its default (as mirrored). */
async function savesPayingCard(sql: postgres.Sql, subscriptionId: string | null): Promise<boolean> {
  if (!subscriptionId) return false
  const [row] = await sql<{ save: string | null }[]>`
    select raw #>> '{payment_settings,save_default_payment_method}' as save from public.stripe_subscriptions where id = ${subscriptionId}`
  return row?.save === 'on_subscription'
}

/**
 * The date to pay by, as Stripe has it: the invoice's due date (sent invoices), else its next automatic
 * attempt. None when that is already past (an email never asks to pay by a day that has gone).
 */
function payBy(m: { due_date: Date | null; next_payment_attempt: Date | null }, now: Date): Date | null {
  const at = m.due_date ?? m.next_payment_attempt
  return at && at.getTime() > now.getTime() ? at : null
}
