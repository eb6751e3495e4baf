// What the billing workflows read: the organization of a Stripe customer, the customer as mirrored,
// and the product's settings. Reads happen inside steps so a retried run sees the same answers.
import type postgres from 'postgres'
import { validIdOf } from '../keys.ts'

export interface OrganizationRow {
  id: string
  name: string
  billing_email: string | null
  billing_status: string | null
  stripe_customer_id: string | null
  deleted_at: Date | null
}

export interface CustomerRow {
  id: string
  email: string | null
  name: string | null
  user_id: string | null
  organization_id: string | null
}

export interface Settings {
  payment_reminder_delay_ms: number
  trial_reminder_lead_ms: number
  data_deletion_delay_ms: number
}

/** The id of an expandable Stripe field (an id, or the expanded object), when it is id-like. */
export const idOf = validIdOf

export async function organizationForCustomer(sql: postgres.Sql, customerId: string | null): Promise<OrganizationRow | undefined> {
  if (!customerId) return undefined
  const [org] = await sql<OrganizationRow[]>`
    select o.id, o.name, o.billing_email, o.billing_status, o.stripe_customer_id, o.deleted_at from public.organizations o
    where o.stripe_customer_id = ${customerId}
       or o.id = (select organization_id from public.stripe_customers where id = ${customerId})
    order by (o.stripe_customer_id = ${customerId}) desc nulls last limit 1`
  return org
}

/**
 * Whether an organization is still to come for a customer that has none: its subscription is live in
 * the mirror (Stripe has it), so that subscription's subscription-created run will make it. Runs that
 * need the organization retry while this holds and give up at once otherwise (a deleted customer, or
 * a subscription Stripe does not have).
 */
export async function organizationExpected(sql: postgres.Sql, subscriptionId: string | null): Promise<boolean> {
  if (!subscriptionId) return false
  const [row] = await sql`select 1 from public.stripe_subscriptions s
    left join public.stripe_customers c on c.id = s.customer_id
    where s.id = ${subscriptionId} and s.status in ('active', 'trialing', 'past_due', 'unpaid', 'paused') and not coalesce(c.deleted, false)`
  return !!row
}

export async function customer(sql: postgres.Sql, customerId: string | null): Promise<CustomerRow | undefined> {
  if (!customerId) return undefined
  const [c] = await sql<CustomerRow[]>`select id, email, name, user_id, organization_id from public.stripe_customers where id = ${customerId}`
  return c
}

export async function settings(sql: postgres.Sql): Promise<Settings> {
  const [s] = await sql<Settings[]>`
    select extract(epoch from payment_reminder_delay) * 1000 as payment_reminder_delay_ms,
      extract(epoch from trial_reminder_lead) * 1000 as trial_reminder_lead_ms,
      extract(epoch from data_deletion_delay) * 1000 as data_deletion_delay_ms
    from billing.settings`
  return {
    payment_reminder_delay_ms: Number(s.payment_reminder_delay_ms),
    trial_reminder_lead_ms: Number(s.trial_reminder_lead_ms),
    data_deletion_delay_ms: Number(s.data_deletion_delay_ms),
  }
}

/** An invoice as the mirror has it (Stripe's state, fetched by the sync before the run started). */
export interface InvoiceRow {
  id: string
  customer_id: string
  subscription_id: string | null
  number: string | null
  status: string | null
  currency: string
  amount_due: number
  amount_paid: number
  amount_remaining: number | null
  hosted_invoice_url: string | null
  billing_reason: string | null
  next_payment_attempt: Date | null
  due_date: Date | null
  paid_at: Date | null
}

/**
 * The invoice as Stripe has it now (DESIGN rule 1): amounts, dates and links come from here, never from
 * the event's payload, which may be old. Undefined when Stripe has no such invoice of this customer.
 */
export async function mirroredInvoice(sql: postgres.Sql, invoiceId: string, customerId: string | null): Promise<InvoiceRow | undefined> {
  const [row] = await sql<InvoiceRow[]>`
    select id, customer_id, subscription_id, number, status, currency, amount_due::float8 as amount_due, amount_paid::float8 as amount_paid,
      amount_remaining::float8 as amount_remaining, hosted_invoice_url, billing_reason, next_payment_attempt, due_date, paid_at
    from public.stripe_invoices where id = ${invoiceId} and customer_id = ${customerId ?? ''}`
  return row
}

/** A subscription as the mirror has it, with its price's name and billing cycle. */
export interface SubscriptionRow {
  id: string
  customer_id: string
  status: string
  trial_end: Date | null
  ended_at: Date | null
  canceled_at: Date | null
  current_period_end: Date | null
  cancel_at_period_end: boolean
  cancel_at: Date | null
  /** Stripe's cancellation_details.reason: cancellation_requested, payment_failed, ... */
  cancellation_reason: string | null
  nickname: string | null
  interval: string | null
  interval_count: number | null
}

export async function mirroredSubscription(sql: postgres.Sql, subscriptionId: string): Promise<SubscriptionRow | undefined> {
  const [row] = await sql<SubscriptionRow[]>`
    select s.id, s.customer_id, s.status, s.trial_end, s.ended_at, s.canceled_at, s.current_period_end, s.cancel_at_period_end, s.cancel_at,
      s.raw #>> '{cancellation_details,reason}' as cancellation_reason,
      p.nickname, p.recurring_interval as interval, p.recurring_interval_count as interval_count
    from public.stripe_subscriptions s left join public.stripe_prices p on p.id = s.price_id
    where s.id = ${subscriptionId}`
  return row
}
