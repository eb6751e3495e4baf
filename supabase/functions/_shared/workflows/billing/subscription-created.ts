// A new subscription: find or create the customer's organization, make the user who owns the Stripe
// customer its admin, send the confirmation, and when trialing schedule the trial-ending reminder
// (7 days before trial_end, or at once if less remains).
import type postgres from 'postgres'
import { billingCycle } from '../../email/format.ts'
import { enqueueEmail } from '../../email/outbox.ts'
import { defineWorkflow } from '../define.ts'
import { customer, idOf, organizationForCustomer, settings } from './lookups.ts'

interface SubscriptionObject {
  id: string
  customer: unknown
  status: string
  trial_end?: number | null
  items?: { data?: { price?: { id?: string; nickname?: string | null; recurring?: { interval?: string; interval_count?: number } | null; product?: unknown } }[] }
}

/**
 * The sync mirrored this customer's state before the run started, but had no organization to give the
 * plan to when the organization is created here: without this it would wait for the customer's next
 * Stripe event (a month, for a monthly plan) to get its price, plan name and limits. Only fills an
 * organization that has no plan yet, so a newer sync is never overwritten; the organizations trigger
 * applies the price's limits.
 */
async function adoptPlan(sql: postgres.Sql, organizationId: string, subscriptionId: string): Promise<void> {
  await sql`update public.organizations o set price_id = s.price_id, product_id = s.product_id,
      plan_name = coalesce((select coalesce(pr.name, p.nickname) from public.stripe_prices p
        left join public.stripe_products pr on pr.id = p.product_id where p.id = s.price_id), o.plan_name),
      next_billing_at = case when s.status in ('active', 'trialing', 'past_due') and not s.cancel_at_period_end then s.current_period_end end,
      trial_ends_at = s.trial_end, updated_at = now()
    from public.stripe_subscriptions s
    where s.id = ${subscriptionId} and o.id = ${organizationId} and o.price_id is null and s.price_id is not null`
}

export const subscriptionCreated = defineWorkflow(
  { id: 'subscription-created', triggers: ['customer.subscription.created'], key: (e) => `subscription:${(e.data.object as SubscriptionObject).id}` },
  async ({ event, step, sql, run, now }) => {
    const sub = event.data.object as SubscriptionObject
    const customerId = idOf(sub.customer)
    const price = sub.items?.data?.[0]?.price

    const org = await step.run('create-organization', async () => {
      const existing = await organizationForCustomer(sql, customerId)
      if (existing) {
        await adoptPlan(sql, existing.id, sub.id)
        return { id: existing.id, name: existing.name, created: false }
      }
      const c = await customer(sql, customerId)
      const name = c?.name?.trim() || `Organization ${sub.id}`
      // Unique on the Stripe customer: a concurrent run creating the same organization finds this one.
      await sql`insert into public.organizations (name, billing_email, stripe_customer_id, stripe_subscription_id, billing_status)
        values (${name}, ${c?.email ?? null}, ${customerId}, ${sub.id}, ${sub.status === 'trialing' ? 'trialing' : 'active'})
        on conflict (stripe_customer_id) do nothing`
      const [row] = await sql<{ id: string; name: string }[]>`select id, name from public.organizations where stripe_customer_id = ${customerId}`
      await sql`update public.stripe_customers set organization_id = ${row.id} where id = ${customerId} and organization_id is null`
      await sql`update public.stripe_subscriptions set organization_id = ${row.id} where customer_id = ${customerId} and organization_id is null`
      await sql`update public.stripe_invoices set organization_id = ${row.id} where customer_id = ${customerId} and organization_id is null`
      await adoptPlan(sql, row.id, sub.id)
      return { id: row.id, name: row.name, created: true }
    })

    await step.run('assign-user-to-organization', async () => {
      const c = await customer(sql, customerId)
      const [owner] = c?.user_id
        ? [{ id: c.user_id }]
        : c?.email
          ? await sql<{ id: string }[]>`select id from auth.users where lower(email) = lower(${c.email}) order by created_at limit 1`
          : []
      if (!owner) return { assigned: false, reason: 'no user owns this Stripe customer' }
      await sql`insert into public.organization_members (organization_id, user_id, role) values (${org.id}, ${owner.id}, 'admin')
        on conflict (organization_id, user_id) do nothing`
      return { assigned: true, userId: owner.id }
    })

    await step.run('send-confirmation-email', async () => {
      const c = await customer(sql, customerId)
      return await enqueueEmail(sql, {
        type: 'subscription_confirmation',
        to: c?.email,
        organizationId: org.id,
        runId: run.id,
        idempotencyKey: `subscription_confirmation:${sub.id}`,
        props: {
          userName: c?.name ?? null,
          organizationName: org.name,
          plan: price?.nickname ?? null,
          billingCycle: billingCycle(price?.recurring),
          trialEndsAt: sub.status === 'trialing' && sub.trial_end ? new Date(sub.trial_end * 1000).toISOString() : null,
        },
      })
    })

    if (sub.status === 'trialing' && sub.trial_end) {
      const remindAt = await step.run('plan-trial-reminder', async () => {
        const lead = (await settings(sql)).trial_reminder_lead_ms
        return new Date(Math.max(now().getTime(), sub.trial_end! * 1000 - lead)).toISOString()
      })
      await step.sendEvent('schedule-trial-reminder', {
        name: 'trial/expiration-reminder',
        data: { subscriptionId: sub.id, organizationId: org.id, customerId, trialEnd: sub.trial_end },
        ts: new Date(remindAt),
      })
    }
    return { organizationId: org.id }
  },
)
