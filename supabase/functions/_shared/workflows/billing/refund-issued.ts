// A refund that succeeded in Stripe (full or partial): one email to the billing contact, whichever of
// the refund's events arrive, twice or out of order. Each event is its own run (a pending refund's
// later refund.updated must run too); the outbox's idempotency key (the refund id) makes it one email.
// The invoice, its number, link and amount paid come from the mirror; which payment the refund returns
// money from, and how much, from the refund (Stripe does not mirror refunds; a refund's amount never changes).
import type postgres from 'postgres'
import { enqueueEmail } from '../../email/outbox.ts'
import { defineWorkflow } from '../define.ts'
import { customer, idOf, organizationForCustomer } from './lookups.ts'

interface Refund {
  id?: unknown
  object?: unknown
  amount?: number
  status?: string | null
  charge?: unknown
  payment_intent?: unknown
  created?: number
}

interface RefundedInvoice {
  id: string
  customer_id: string
  number: string | null
  currency: string
  amount_paid: number
  hosted_invoice_url: string | null
}

/** The mirrored invoice one of whose payments is this PaymentIntent or charge. */
async function invoiceOfPayment(sql: postgres.Sql, paymentIntent: string | null, charge: string | null): Promise<RefundedInvoice | undefined> {
  const [row] = await sql<RefundedInvoice[]>`
    select i.id, i.customer_id, i.number, i.currency, i.amount_paid::float8 as amount_paid, i.hosted_invoice_url
    from public.stripe_invoices i
    where exists (select 1 from jsonb_array_elements(coalesce(i.raw #> '{payments,data}', '[]')) p
      where coalesce(p #>> '{payment,payment_intent,id}', p #>> '{payment,payment_intent}') = ${paymentIntent ?? ''}
         or coalesce(p #>> '{payment,charge,id}', p #>> '{payment,charge}') = ${charge ?? ''})
    order by i.created desc limit 1`
  return row
}

export const refundIssued = defineWorkflow(
  { id: 'refund-issued', triggers: ['refund.created', 'refund.updated'] },
  async ({ event, step, sql, run }) => {
    const r = event.data.object as Refund
    const id = typeof r.id === 'string' && r.object === 'refund' ? r.id : null
    if (!id || typeof r.amount !== 'number' || r.amount <= 0) return { skipped: 'not a refund with an id and an amount' }
    if (r.status !== 'succeeded') return { skipped: `refund ${id} is ${r.status}` }
    return await step.run('send-refund-email', async () => {
      const inv = await invoiceOfPayment(sql, idOf(r.payment_intent), idOf(r.charge))
      if (!inv) return { skipped: `no mirrored invoice was paid by the payment refund ${id} returns` }
      const org = await organizationForCustomer(sql, inv.customer_id)
      if (!org) return { skipped: `no organization for Stripe customer ${inv.customer_id}` }
      const c = await customer(sql, inv.customer_id)
      const refundedAt = typeof r.created === 'number' ? new Date(r.created * 1000) : new Date(event.ts)
      return await enqueueEmail(sql, {
        type: 'refund_issued',
        to: org.billing_email ?? c?.email,
        organizationId: org.id,
        runId: run.id,
        idempotencyKey: `refund:${id}`,
        props: {
          organizationName: org.name,
          invoiceNumber: inv.number ?? inv.id,
          amountRefunded: r.amount,
          amountPaid: inv.amount_paid,
          currency: inv.currency,
          refundedAt: refundedAt.toISOString(),
          invoiceUrl: inv.hosted_invoice_url,
        },
      })
    })
  },
)
