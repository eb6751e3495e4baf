// Payment metrics for admins' charts: amount, currency, customer and time of each successful payment.
// One payment raises both invoice.payment_succeeded and charge.succeeded; both are keyed by the
// payment (its PaymentIntent when known), so each payment is counted once.
import { defineWorkflow, type WorkflowEvent } from '../define.ts'
import { idOf } from './lookups.ts'

interface Paid {
  id: string
  object: string
  customer?: unknown
  currency: string
  amount?: number
  amount_paid?: number
  payment_intent?: unknown
  payments?: { data?: { payment?: { payment_intent?: unknown } }[] }
}

function paymentKey(e: WorkflowEvent): string {
  const o = e.data.object as Paid
  const intent = idOf(o.payment_intent) ?? idOf(o.payments?.data?.[0]?.payment?.payment_intent)
  return intent ? `payment:${intent}` : `${o.object}:${o.id}`
}

export const paymentMetrics = defineWorkflow(
  { id: 'payment-metrics', triggers: ['invoice.payment_succeeded', 'charge.succeeded'], key: paymentKey },
  async ({ event, step, sql }) => {
    const o = event.data.object as Paid
    const amount = o.object === 'invoice' ? o.amount_paid ?? 0 : o.amount ?? 0
    if (amount <= 0) return { recorded: false }
    return await step.run('record-payment-metrics', async () => {
      await sql`insert into billing.payment_metrics (payment_key, amount, currency, customer_id, source_type, source_id, occurred_at)
        values (${paymentKey(event)}, ${amount}, ${o.currency}, ${idOf(o.customer)}, ${o.object}, ${o.id}, ${new Date(event.ts)})
        on conflict (payment_key) do nothing`
      return { recorded: true }
    })
  },
)
