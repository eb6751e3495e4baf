// The billing overview of one organization, read as the caller (RLS decides what is visible). An
// organization the caller is not a member of is indistinguishable from one that does not exist.
import type postgres from 'postgres'
import type { OrganizationSummary, Overview, Plan } from './api-types.ts'
import { asUser } from './as-user.ts'
import type { Caller } from './caller.ts'
import { notFound } from './errors.ts'
import { cardOnFile, refundedByInvoice } from './payment-details.ts'
import { planUsage } from './usage.ts'
import { scheduledChange } from './scheduled-change.ts'
import { subscriptionDiscount } from './discounts.ts'
import { trialEndBehavior } from './trial-days.ts'

/** Subscription statuses that still bill (or may): the one the page shows and checkout refuses to duplicate. */
export const LIVE_STATUSES = ['trialing', 'active', 'past_due', 'unpaid', 'incomplete', 'paused']

const iso = (v: Date | string | null | undefined) => (v ? new Date(v).toISOString() : null)
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v))

export async function listOrganizations(sql: postgres.Sql, caller: Caller): Promise<OrganizationSummary[]> {
  return await asUser(sql, caller, (tx) =>
    tx<OrganizationSummary[]>`
    select o.id, o.name, m.role, o.billing_status, o.plan_name
    from public.organizations o
    join public.organization_members m on m.organization_id = o.id and m.user_id = (select auth.uid())
    order by o.name, o.id`)
}

export async function createOrganization(sql: postgres.Sql, caller: Caller, name: string): Promise<OrganizationSummary> {
  return await asUser(sql, caller, async (tx) => {
    const [{ id }] = await tx<{ id: string }[]>`select public.create_organization(${name}) as id`
    return { id, name, role: 'admin', billing_status: null, plan_name: null }
  })
}

export async function plans(tx: postgres.TransactionSql | postgres.Sql): Promise<Plan[]> {
  const rows = await tx`
    select p.id as price_id, p.product_id, pr.name as product_name, p.nickname, p.unit_amount, p.currency, p.recurring_interval as interval,
           public.plan_limits_for(p.id) as limits
    from public.stripe_prices p join public.stripe_products pr on pr.id = p.product_id
    where p.active and not p.deleted and pr.active is not false and not pr.deleted
      and p.recurring_interval in ('month', 'year') and p.unit_amount is not null
    order by p.recurring_interval, p.unit_amount, p.id`
  return rows.map((r) => ({
    price_id: r.price_id,
    product_id: r.product_id,
    product_name: r.product_name ?? r.product_id,
    nickname: r.nickname,
    unit_amount: Number(r.unit_amount),
    currency: r.currency,
    interval: r.interval,
    // Parsed by SQL's plan_limits_for, the one reading of `limits.*` metadata (also behind organizations.plan_limits).
    limits: r.limits ?? {},
  }))
}

export async function overview(sql: postgres.Sql, caller: Caller, orgId: string): Promise<Overview> {
  const read = await asUser(sql, caller, async (tx) => {
    const [org] = await tx`
      select o.*, (select m.role from public.organization_members m where m.organization_id = o.id and m.user_id = (select auth.uid())) as role
      from public.organizations o where o.id = ${orgId}`
    if (!org) throw notFound()
    const [sub] = await tx`
      select s.*, pr.name as product_name, p.nickname, p.unit_amount, p.currency as price_currency, p.recurring_interval
      from public.stripe_subscriptions s
      left join public.stripe_prices p on p.id = s.price_id
      left join public.stripe_products pr on pr.id = coalesce(s.product_id, p.product_id)
      where s.organization_id = ${orgId} and s.status in ${tx(LIVE_STATUSES)}
      order by s.created desc nulls last limit 1`
    const invoices = await tx`
      select * from public.stripe_invoices where organization_id = ${orgId} and status is distinct from 'draft'
      order by created desc nulls last limit 24`
    const members = await tx`
      select m.user_id, p.email, p.full_name, m.role from public.organization_members m
      left join public.profiles p on p.id = m.user_id
      where m.organization_id = ${orgId} order by m.role, p.email`
    return { org, sub, invoices, members, usage: await planUsage(tx, orgId), plans: await plans(tx) }
  })
  const { org, sub, invoices, members, plans: offered } = read
  const failed = invoices.find((i) => i.status === 'open' && Number(i.attempt_count ?? 0) > 0 && Number(i.amount_remaining ?? 0) > 0)
  const pending = org.stripe_customer_id ? await customerPending(sql, org.stripe_customer_id) : false
  const deletionAt = org.billing_status === 'cancelled' ? await scheduledDeletion(sql, org.id) : null
  // The next charge: the period's end, unless the subscription ends by then.
  const periodEnd = sub?.current_period_end ? new Date(sub.current_period_end) : null
  const renewsAt = periodEnd && !sub.cancel_at_period_end && !(sub.cancel_at && new Date(sub.cancel_at) <= periodEnd) ? periodEnd : null
  const card = org.stripe_customer_id ? await cardOnFile(sql, org.stripe_customer_id, sub?.id ?? null, renewsAt) : null
  const refunded = await refundedByInvoice(sql, invoices.map((i) => i.id))
  return {
    organization: {
      id: org.id,
      name: org.name,
      billing_email: org.billing_email,
      billing_status: org.billing_status,
      plan_name: org.plan_name,
      price_id: org.price_id,
      next_billing_at: iso(org.next_billing_at),
      trial_ends_at: iso(org.trial_ends_at),
      cancelled_at: iso(org.cancelled_at),
      data_deletion_at: iso(deletionAt),
      last_payment_failed_at: iso(org.last_payment_failed_at),
      stripe_customer_id: org.stripe_customer_id,
      stripe_synced_at: iso(org.stripe_synced_at),
    },
    role: org.role,
    subscription: sub
      ? {
        id: sub.id,
        status: sub.status,
        price_id: sub.price_id,
        product_name: sub.product_name,
        nickname: sub.nickname,
        unit_amount: num(sub.unit_amount),
        currency: sub.price_currency,
        interval: sub.recurring_interval,
        quantity: sub.quantity,
        current_period_end: iso(sub.current_period_end),
        trial_end: iso(sub.trial_end),
        cancel_at_period_end: sub.cancel_at_period_end,
        cancel_at: iso(sub.cancel_at),
        canceled_at: iso(sub.canceled_at),
        scheduled_change: scheduledChange(sub.raw, offered),
        trial_end_behavior: trialEndBehavior(sub.raw),
        discount: subscriptionDiscount(sub.raw),
      }
      : null,
    failed_payment: failed
      ? {
        invoice_id: failed.id,
        number: failed.number,
        amount_due: Number(failed.amount_due),
        amount_remaining: Number(failed.amount_remaining),
        currency: failed.currency,
        hosted_invoice_url: failed.hosted_invoice_url,
        next_payment_attempt: iso(failed.next_payment_attempt),
      }
      : null,
    payment_method: card,
    invoices: invoices.map((i) => ({
      id: i.id,
      number: i.number,
      status: i.status,
      amount_due: Number(i.amount_due ?? 0),
      amount_paid: Number(i.amount_paid ?? 0),
      currency: i.currency,
      created: iso(i.created),
      hosted_invoice_url: i.hosted_invoice_url,
      invoice_pdf: i.invoice_pdf,
      amount_refunded: refunded.get(i.id) ?? 0,
    })),
    members: members.map((m) => ({ user_id: m.user_id, email: m.email, full_name: m.full_name, role: m.role })),
    plans: read.plans,
    usage: read.usage,
    pending,
    export: { available: org.role === 'admin' && org.billing_status === 'cancelled' },
  } as Overview
}

/** Whether events of this customer are still waiting in the sync queue (the page keeps polling). */
async function customerPending(sql: postgres.Sql, customerId: string): Promise<boolean> {
  const [row] = await sql`select exists (select 1 from pgmq.q_stripe_events where message ->> 'customer_id' = ${customerId}) as pending`
  return row.pending
}

/**
 * When the organization's data will be deleted: the pending deletion the subscription-cancelled workflow
 * scheduled (the one source of that date). Read after RLS let the caller see the organization.
 */
async function scheduledDeletion(sql: postgres.Sql, organizationId: string): Promise<Date | null> {
  const [row] = await sql<{ at: Date }[]>`select min(deliver_at) as at from billing.workflow_events
    where name = 'data/deletion.scheduled' and data ->> 'organizationId' = ${organizationId} and delivered_at is null and cancelled_at is null`
  return row?.at ?? null
}
