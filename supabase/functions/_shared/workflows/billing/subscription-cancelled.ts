// A subscription ended: mark the organization cancelled, build its GDPR export, email the export
// link, and schedule the deletion of its personal data (30 days by default; cancelled if they
// subscribe again, see data-deletion). Nothing for a subscription that never started or while another
// of the customer's subscriptions is live. When it ended is Stripe's `ended_at` (the mirror's), and the
// deletion date counts from it, never from the event's payload or the worker's clock.
import { enqueueEmail } from '../../email/outbox.ts'
import { required } from '../../config.ts'
import { billingUrl } from '../../app-urls.ts'
import { createExportLink } from '../../exports/create.ts'
import { signExportLink } from '../../exports/link.ts'
import { defineWorkflow } from '../define.ts'
import { keyOf } from '../keys.ts'
import { customer, idOf, mirroredSubscription, organizationForCustomer, settings } from './lookups.ts'

export const subscriptionCancelled = defineWorkflow(
  { id: 'subscription-cancelled', triggers: ['customer.subscription.deleted'], key: (e) => keyOf('subscription', (e.data.object as { id: string }).id) },
  async ({ event, step, sql, run, now }) => {
    const sub = event.data.object as { id: string; customer: unknown }
    const customerId = idOf(sub.customer)
    const ended = await step.run('read-end', async () => {
      const m = await mirroredSubscription(sql, sub.id)
      return { at: (m?.ended_at ?? m?.canceled_at ?? new Date(event.ts)).toISOString(), reason: m?.cancellation_reason ?? null }
    })
    const cancelledAt = new Date(ended.at)
    const org = await step.run('deactivate-organization', async () => {
      const o = await organizationForCustomer(sql, customerId)
      if (!o) return { skipped: 'no organization for this customer' }
      // As the mirror (Stripe's state when this event was synced) and the welcome run have it: a
      // subscription that never started (its first payment declined, no trial) ends nothing, and one that ended while another
      // is live (a plan switch by cancel-and-subscribe) does not end the organization's service.
      const [state] = await sql<{ started: boolean; other_live: boolean }[]>`select
          exists (select 1 from public.stripe_subscriptions s where s.id = ${sub.id} and (s.trial_start is not null
            or exists (select 1 from public.stripe_invoices i where i.subscription_id = s.id and i.status = 'paid')))
          or exists (select 1 from billing.workflow_runs r where r.workflow_id = 'subscription-created' and r.trigger_key = ${`subscription:${sub.id}`}) as started,
          exists (select 1 from public.stripe_subscriptions s where s.customer_id = ${customerId} and s.id <> ${sub.id}
            and s.status in ('active', 'trialing', 'past_due', 'unpaid', 'paused')) as other_live`
      if (!state.started) return { skipped: `subscription ${sub.id} never started` }
      if (state.other_live) return { skipped: `another subscription of ${customerId} is live` }
      // Only if this subscription is still the organization's: a newer one may have replaced it.
      await sql`select billing.service_role_mark_cancelled(${o.id}, ${sub.id}, ${cancelledAt})`
      return { id: o.id, name: o.name, email: o.billing_email }
    })
    if ('skipped' in org) return org
    const exported = await step.run('export-user-data', async () => {
      // Counted from the later of now and the end, so the link never expires before the cancellation.
      const asOf = new Date(Math.max(now().getTime(), cancelledAt.getTime()))
      const link = await createExportLink(sql, org.id, { apiUrl: required('SUPABASE_URL'), secret: required('EXPORT_SIGNING_SECRET'), asOf })
      // The signed link is a bearer link: not memoized here; the email step signs it again (the same link).
      return { exportId: link.exportId, expiresAt: link.expiresAt.toISOString() }
    })
    const deleteAt = await step.run('plan-deletion', async () => new Date(cancelledAt.getTime() + (await settings(sql)).data_deletion_delay_ms).toISOString())
    await step.run('send-cancellation-email', async () => {
      const c = await customer(sql, customerId)
      // What the subscription still owes, as Stripe has it: its open invoices.
      const [unpaid] = await sql<{ amount: number | null; currency: string | null; url: string | null }[]>`
        select sum(coalesce(amount_remaining, amount_due))::float8 as amount, min(currency) as currency,
          (array_agg(hosted_invoice_url order by created desc))[1] as url
        from public.stripe_invoices where subscription_id = ${sub.id} and status = 'open' and coalesce(amount_remaining, amount_due) > 0`
      const reason = ended.reason === 'payment_failed' ? 'payment_failed' : ended.reason === 'cancellation_requested' ? 'cancellation_requested' : null
      return await enqueueEmail(sql, {
        type: 'subscription_cancelled',
        to: org.email ?? c?.email,
        organizationId: org.id,
        runId: run.id,
        idempotencyKey: `subscription_cancelled:${sub.id}`,
        props: {
          organizationName: org.name,
          cancelledAt: cancelledAt.toISOString(),
          exportExpiresAt: exported.expiresAt,
          deletionAt: deleteAt,
          reason,
          unpaidAmount: unpaid?.amount ?? null,
          currency: unpaid?.amount ? unpaid.currency : null,
          unpaidInvoiceUrl: unpaid?.amount ? unpaid.url : null,
          resubscribeUrl: billingUrl(org.id),
        },
        // Kept in the outbox only until the email is sent.
        secretProps: {
          dataExportUrl: await signExportLink(required('SUPABASE_URL'), exported.exportId, new Date(exported.expiresAt), required('EXPORT_SIGNING_SECRET')),
        },
      })
    })
    await step.sendEvent('schedule-data-deletion', {
      name: 'data/deletion.scheduled',
      data: { organizationId: org.id, customerId, subscriptionId: sub.id },
      ts: new Date(deleteAt),
    })
    return { organizationId: org.id, exportId: exported.exportId }
  },
)
