// Refunds in the payment metrics: each refund that succeeded subtracts its amount once (row keyed by
// the refund id, kind 'refund', a negative amount), whichever of its events comes first or twice. A
// refund that failed or was canceled returns nothing: its row is kept at 0 so a late or repeated
// `succeeded` event cannot count it (failed and canceled are final in Stripe). A pending refund waits
// for its refund.updated. `charge.refunded` is not used: its charge carries the cumulative
// amount_refunded and no refund ids, so it cannot say which refund it is about.
import { defineWorkflow } from '../define.ts'
import { idOf } from './lookups.ts'
import { paymentKey } from './payment-metrics.ts'

interface Refund {
  id?: unknown
  object?: unknown
  amount?: number
  currency?: string
  status?: string | null
  charge?: unknown
  payment_intent?: unknown
  created?: number
}

const RETURNED_NOTHING = ['failed', 'canceled']

export const refundMetrics = defineWorkflow(
  // Every refund event is its own run (default key: the event id): a refund's later update must run too.
  { id: 'refund-metrics', triggers: ['refund.created', 'refund.updated', 'refund.failed'] },
  async ({ event, step, sql }) => {
    const r = event.data.object as Refund
    const id = typeof r.id === 'string' && r.object === 'refund' ? r.id : null
    if (!id || typeof r.amount !== 'number' || !r.currency) return { skipped: 'not a refund with an id, amount and currency' }
    if (r.status !== 'succeeded' && !RETURNED_NOTHING.includes(r.status ?? '')) return { skipped: `refund ${id} is ${r.status}` }
    return await step.run('record-refund-metrics', async () => {
      const customerId = (event.data.customerId as string | null | undefined) ?? null
      const occurred = typeof r.created === 'number' ? new Date(r.created * 1000) : new Date(event.ts)
      const amount = r.status === 'succeeded' ? -r.amount! : 0
      const refunded = paymentKey(r.payment_intent, r.charge)
      // A refund names its customer only in recent API versions; else the refunded payment's row does.
      const rows =
        await sql`insert into billing.payment_metrics (payment_key, kind, amount, currency, customer_id, source_type, source_id, refunded_payment_key, occurred_at)
        values (${`refund:${id}`}, 'refund', ${amount}, ${r.currency!},
          coalesce(${customerId}::text, (select customer_id from billing.payment_metrics where payment_key = ${refunded})), 'refund', ${id}, ${refunded}, ${occurred})
        on conflict (payment_key) do update set amount = 0 where ${amount === 0}
        returning amount`
      return { refund: id, amount: rows[0] ? Number(rows[0].amount) : null, charge: idOf(r.charge) }
    })
  },
)
