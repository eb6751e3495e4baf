// Payment metrics for admins' charts: amount, currency, customer and time of each successful payment.
// One card payment of an invoice raises both invoice.payment_succeeded and charge.succeeded. Current API
// versions link them only through the invoice's `payments` (included on request: the sync fetches
// invoices with `expand: data.payments`, so the mirror has it even when the event payload does not).
// Each event is its own run; the table's unique payment key makes the payment count once.
import type postgres from 'postgres'
import { defineWorkflow } from '../define.ts'
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

/** The PaymentIntent behind a charge or an invoice: from the payload, else from the mirrored invoice. */
async function paymentIntentOf(sql: postgres.Sql, o: Paid): Promise<string | null> {
  const direct = idOf(o.payment_intent) ?? idOf(o.payments?.data?.[0]?.payment?.payment_intent)
  if (direct || o.object !== 'invoice') return direct
  const [row] = await sql<{ intent: string | null }[]>`
    select coalesce(raw #>> '{payments,data,0,payment,payment_intent}', raw #>> '{payments,data,0,payment,payment_intent,id}') as intent
    from public.stripe_invoices where id = ${o.id}`
  return row?.intent ?? null
}

export const paymentMetrics = defineWorkflow(
  { id: 'payment-metrics', triggers: ['invoice.payment_succeeded', 'charge.succeeded'], key: (e) => `${(e.data.object as Paid).object}:${(e.data.object as Paid).id}` },
  async ({ event, step, sql }) => {
    const o = event.data.object as Paid
    const amount = o.object === 'invoice' ? o.amount_paid ?? 0 : o.amount ?? 0
    if (amount <= 0) return { recorded: false }
    return await step.run('record-payment-metrics', async () => {
      const intent = await paymentIntentOf(sql, o)
      const key = intent ? `payment:${intent}` : `${o.object}:${o.id}`
      const rows = await sql`insert into billing.payment_metrics (payment_key, amount, currency, customer_id, source_type, source_id, occurred_at)
        values (${key}, ${amount}, ${o.currency}, ${idOf(o.customer)}, ${o.object}, ${o.id}, ${new Date(event.ts)})
        on conflict (payment_key) do nothing returning payment_key`
      return { recorded: rows.length > 0, key }
    })
  },
)
