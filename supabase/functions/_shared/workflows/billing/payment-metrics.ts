// Payment metrics for admins' charts: money actually collected, once per payment, keyed as Stripe keys
// a payment (its PaymentIntent, else its charge). One card payment of an invoice raises both
// invoice.payment_succeeded and charge.succeeded; an invoice keeps one PaymentIntent across failed
// attempts and retries, and lists its payments (InvoicePayment, with a status) only on request: the sync
// fetches invoices with `expand: data.payments`, so the mirror has them when the payload does not.
// Only a `paid` InvoicePayment and a captured, succeeded charge count; a failed attempt never does.
// Refunds are subtracted by refund-metrics.ts. Each event is its own run; the table's unique payment
// key makes a payment count once.
import type postgres from 'postgres'
import { defineWorkflow, type WorkflowEvent } from '../define.ts'
import { keyOf } from '../keys.ts'
import { idOf } from './lookups.ts'

interface InvoicePayment {
  status?: string
  amount_paid?: number | null
  payment?: { payment_intent?: unknown; charge?: unknown }
}

interface Paid {
  id: string
  object: string
  customer?: unknown
  currency: string
  status?: string
  amount?: number
  amount_captured?: number
  captured?: boolean
  amount_paid?: number
  payment_intent?: unknown
  payments?: { data?: InvoicePayment[] }
}

interface Collected {
  key: string
  amount: number
}

/** Stripe's identity of a payment: its PaymentIntent, else (a charge made without one) its charge. */
export function paymentKey(intent: unknown, charge: unknown): string | null {
  const id = idOf(intent) ?? idOf(charge)
  return id ? `payment:${id}` : null
}

/** The invoice's payments as the payload has them, else as the sync mirrored them; null when unknown. */
async function invoicePayments(sql: postgres.Sql, o: Paid): Promise<InvoicePayment[] | null> {
  if (Array.isArray(o.payments?.data)) return o.payments.data
  const [row] = await sql<{ payments: InvoicePayment[] | null }[]>`
    select raw #> '{payments,data}' as payments from public.stripe_invoices where id = ${o.id}`
  return Array.isArray(row?.payments) ? row.payments : null
}

/** What a paid invoice or a succeeded charge collected, one entry per payment. */
async function collected(sql: postgres.Sql, o: Paid, kind: 'invoice' | 'charge'): Promise<Collected[]> {
  if (kind === 'charge') {
    if (o.status !== undefined && o.status !== 'succeeded') return []
    if (o.captured === false) return []
    const amount = o.amount_captured || o.amount || 0
    const key = paymentKey(o.payment_intent, o.id)
    return key && amount > 0 ? [{ key, amount }] : []
  }
  const payments = await invoicePayments(sql, o)
  // Only when Stripe told us nothing about the invoice's payments: the invoice itself stands for one.
  if (payments === null) return (o.amount_paid ?? 0) > 0 ? [{ key: `invoice:${o.id}`, amount: o.amount_paid! }] : []
  return payments
    .filter((p) => p.status === 'paid' && (p.amount_paid ?? 0) > 0)
    .map((p) => ({ key: paymentKey(p.payment?.payment_intent, p.payment?.charge), amount: p.amount_paid! }))
    .filter((c): c is Collected => c.key !== null)
}

/** The object an event is about, by its type (`charge.succeeded`): a payload may lack `object`. */
const kindOf = (e: WorkflowEvent) => (e.name.startsWith('charge.') ? 'charge' : 'invoice')

export const paymentMetrics = defineWorkflow(
  { id: 'payment-metrics', triggers: ['invoice.payment_succeeded', 'charge.succeeded'], key: (e) => keyOf(kindOf(e), (e.data.object as Paid).id) },
  async ({ event, step, sql }) => {
    const o = event.data.object as Paid
    const kind = kindOf(event)
    return await step.run('record-payment-metrics', async () => {
      const recorded: string[] = []
      for (const c of await collected(sql, o, kind)) {
        const rows = await sql`insert into billing.payment_metrics (payment_key, kind, amount, currency, customer_id, source_type, source_id, occurred_at)
          values (${c.key}, 'payment', ${c.amount}, ${o.currency}, ${idOf(o.customer)}, ${kind}, ${o.id}, ${new Date(event.ts)})
          on conflict (payment_key) do nothing returning payment_key`
        if (rows.length > 0) recorded.push(c.key)
      }
      return { recorded }
    })
  },
)
