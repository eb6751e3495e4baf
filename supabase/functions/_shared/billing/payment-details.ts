// What the billing page shows beside the plan, read after RLS let the caller see the organization: the
// card on file (from the mirrored subscription or customer, whose default payment method the sync
// expands) and what refunds returned of each invoice (billing.payment_metrics, which refund-metrics keeps
// once per refund; neither table is readable by the caller itself).
import type postgres from 'postgres'
import type { PaymentMethod } from './api-types.ts'

interface Card {
  brand?: string
  last4?: string
  exp_month?: number
  exp_year?: number
}

/** The first instant the card no longer works: the start of the month after its expiry month (UTC). */
export function cardExpiresAt(card: { exp_month: number; exp_year: number }): Date {
  return new Date(Date.UTC(card.exp_year, card.exp_month, 1))
}

/**
 * The card Stripe charges: the subscription's default payment method, else the customer's for invoices
 * (Stripe's own order). `renewsAt` is when the next renewal charges it (null: nothing renews).
 */
export async function cardOnFile(sql: postgres.Sql, customerId: string, subscriptionId: string | null, renewsAt: Date | null): Promise<PaymentMethod | null> {
  const [row] = await sql<{ card: Card | null }[]>`
    select coalesce(
      (select s.raw #> '{default_payment_method,card}' from public.stripe_subscriptions s
        where s.id = ${subscriptionId ?? ''} and s.raw #>> '{default_payment_method,type}' = 'card'),
      (select c.raw #> '{invoice_settings,default_payment_method,card}' from public.stripe_customers c
        where c.id = ${customerId} and c.raw #>> '{invoice_settings,default_payment_method,type}' = 'card')) as card`
  const c = row?.card
  if (!c || !c.last4 || typeof c.exp_month !== 'number' || typeof c.exp_year !== 'number') return null
  const card = { brand: c.brand ?? 'card', last4: c.last4, exp_month: c.exp_month, exp_year: c.exp_year }
  return { ...card, expires_before_renewal: renewsAt !== null && cardExpiresAt(card) <= renewsAt }
}

/** What succeeded refunds returned of each invoice's paid payments, by invoice id (absent: nothing). */
export async function refundedByInvoice(sql: postgres.Sql, invoiceIds: string[]): Promise<Map<string, number>> {
  if (invoiceIds.length === 0) return new Map()
  const rows = await sql<{ id: string; refunded: string }[]>`
    select i.id, sum(-m.amount)::text as refunded
    from public.stripe_invoices i
    cross join lateral jsonb_array_elements(coalesce(i.raw #> '{payments,data}', '[]')) p
    join billing.payment_metrics m on m.kind = 'refund' and m.refunded_payment_key = 'payment:' ||
      coalesce(p #>> '{payment,payment_intent,id}', p #>> '{payment,payment_intent}', p #>> '{payment,charge,id}', p #>> '{payment,charge}')
    where i.id = any(${invoiceIds}) and p ->> 'status' = 'paid'
    group by i.id`
  return new Map(rows.map((r) => [r.id, Number(r.refunded)]))
}
