// A new subscription: find or create the customer's organization, make the user who owns the Stripe
// customer its admin, send the confirmation, and when trialing schedule the trial-ending reminder
// (7 days before trial_end, or at once if less remains). A subscription whose first payment has not
// been made (`incomplete`) is not new yet: the run starts when Stripe says it became active. The event's
// status routes it; the plan, billing cycle and trial end the run acts on come from the mirror.
import type postgres from 'postgres'
import { billingUrl } from '../../app-urls.ts'
import { billingCycle } from '../../email/format.ts'
import { enqueueEmail } from '../../email/outbox.ts'
import { defineWorkflow, type WorkflowEvent } from '../define.ts'
import { keyOf } from '../keys.ts'
import { customer, idOf, mirroredSubscription, organizationForCustomer, settings } from './lookups.ts'

/** What the payload is read for: routing only (which subscription and customer, and whether it started). */
interface SubscriptionObject {
  id: string
  customer: unknown
  status: string
}

const STARTED = ['active', 'trialing']

/** Created active or trialing, or an incomplete subscription whose first payment went through. */
export function startsSubscription(event: WorkflowEvent): boolean {
  const sub = event.data.object as SubscriptionObject
  if (!STARTED.includes(sub.status)) return false
  if (event.name === 'customer.subscription.created') return true
  const before = event.data.previous_attributes as { status?: string } | null
  return before?.status === 'incomplete'
}

/**
 * The organization's billing fields come from the mirror the sync wrote before this run started (what
 * Stripe says now), never from the event: the sync found no organization to give them to then.
 */
async function takeBillingState(sql: postgres.Sql, organizationId: string): Promise<void> {
  await sql`select billing.service_role_refresh_organization_billing(${organizationId})`
}

export const subscriptionCreated = defineWorkflow(
  {
    id: 'subscription-created',
    triggers: ['customer.subscription.created', 'customer.subscription.updated'],
    when: startsSubscription,
    key: (e) => keyOf('subscription', (e.data.object as SubscriptionObject).id),
  },
  async ({ event, step, sql, run, now }) => {
    const sub = event.data.object as SubscriptionObject
    const customerId = idOf(sub.customer)

    const org = await step.run('create-organization', async () => {
      // The sync mirrors every subscription Stripe has for the customer before handing the event over;
      // one it does not have (another account's, or a forged event) makes no organization.
      const [known] = await sql`select 1 from public.stripe_subscriptions where id = ${sub.id}`
      if (!known) return null
      const existing = await organizationForCustomer(sql, customerId)
      if (existing) {
        await takeBillingState(sql, existing.id)
        return { id: existing.id, name: existing.name, created: false }
      }
      const c = await customer(sql, customerId)
      const name = c?.name?.trim() || `Organization ${sub.id}`
      // Unique on the Stripe customer: a concurrent run creating the same organization finds this one.
      const [row] = await sql<{ id: string; name: string }[]>`
        select id, name from billing.service_role_create_customer_organization(${customerId}, ${sub.id}, ${name}, ${c?.email ?? null})`
      await takeBillingState(sql, row.id)
      return { id: row.id, name: row.name, created: true }
    })
    if (!org) {
      console.warn(`subscription-created: run ${run.id}: Stripe has no subscription ${sub.id} (event ${event.id}); nothing done`)
      return { skipped: `Stripe has no subscription ${sub.id}` }
    }

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

    const plan = await step.run('read-subscription', async () => {
      const m = await mirroredSubscription(sql, sub.id)
      return {
        nickname: m?.nickname ?? null,
        billingCycle: billingCycle(m?.interval ? { interval: m.interval, interval_count: m.interval_count ?? 1 } : null),
        trialEnd: m?.status === 'trialing' && m.trial_end ? m.trial_end.toISOString() : null,
      }
    })

    await step.run('send-confirmation-email', async () => {
      const c = await customer(sql, customerId)
      // A person's name comes from their profile (Auth's side), never from the Stripe customer's name,
      // which is the organization's billing name; and only when that person is the one this goes to.
      const [person] = c?.email
        ? await sql<{ full_name: string | null }[]>`select p.full_name from public.organization_members m join public.profiles p on p.id = m.user_id
            where m.organization_id = ${org.id} and lower(p.email) = lower(${c.email}) and p.full_name is not null limit 1`
        : []
      return await enqueueEmail(sql, {
        type: 'subscription_confirmation',
        to: c?.email,
        organizationId: org.id,
        runId: run.id,
        idempotencyKey: `subscription_confirmation:${sub.id}`,
        props: {
          userName: person?.full_name ?? null,
          organizationName: org.name,
          plan: plan.nickname,
          billingCycle: plan.billingCycle,
          trialEndsAt: plan.trialEnd,
          manageBillingUrl: billingUrl(org.id),
        },
      })
    })

    if (plan.trialEnd) {
      const trialEnd = Math.floor(Date.parse(plan.trialEnd) / 1000)
      const remindAt = await step.run('plan-trial-reminder', async () => {
        const lead = (await settings(sql)).trial_reminder_lead_ms
        return new Date(Math.max(now().getTime(), trialEnd * 1000 - lead)).toISOString()
      })
      await step.sendEvent('schedule-trial-reminder', {
        name: 'trial/expiration-reminder',
        data: { subscriptionId: sub.id, organizationId: org.id, customerId, trialEnd },
        ts: new Date(remindAt),
      })
    }
    return { organizationId: org.id }
  },
)
