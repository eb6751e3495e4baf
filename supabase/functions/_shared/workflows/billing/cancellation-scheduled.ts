// A customer scheduled the end of their subscription (cancel at period end, or at a date): one email
// confirms it, with the end date and how to resume. One per request: the run is keyed by the request's
// time (Stripe's canceled_at), so duplicates and unrelated updates send nothing more, and a request
// withdrawn (resumed) or replaced by a newer one before the run reads the mirror sends nothing.
import { billingUrl } from '../../app-urls.ts'
import { enqueueEmail } from '../../email/outbox.ts'
import { defineWorkflow, type WorkflowEvent } from '../define.ts'
import { customer, idOf, mirroredSubscription, organizationExpected, organizationForCustomer } from './lookups.ts'

/** What the payload is read for: routing only (which subscription, and which request). */
interface Scheduled {
  id: string
  customer: unknown
  status: string
  cancel_at_period_end?: boolean | null
  cancel_at?: number | null
  canceled_at?: number | null
}

const LIVE = ['active', 'trialing', 'past_due']

/** An update that set a cancellation on a live subscription (not any later update while one is set). */
function schedulesCancellation(e: WorkflowEvent): boolean {
  const s = e.data.object as Scheduled
  const before = (e.data.previous_attributes ?? {}) as Record<string, unknown>
  return LIVE.includes(s.status) && (s.cancel_at_period_end === true || !!s.cancel_at) && ('cancel_at_period_end' in before || 'cancel_at' in before)
}

const requestOf = (s: Scheduled) => s.canceled_at ?? s.cancel_at ?? 0

export const cancellationScheduled = defineWorkflow(
  {
    id: 'cancellation-scheduled',
    triggers: ['customer.subscription.updated'],
    when: schedulesCancellation,
    key: (e) => {
      const s = e.data.object as Scheduled
      return `subscription:${s.id}:cancel:${requestOf(s)}`
    },
  },
  async ({ event, step, sql, run }) => {
    const s = event.data.object as Scheduled
    const customerId = idOf(s.customer)
    return await step.run('send-cancellation-scheduled-email', async () => {
      const m = await mirroredSubscription(sql, s.id)
      if (!m) return { sent: false, reason: `Stripe has no subscription ${s.id}` }
      const endsAt = m.cancel_at ?? (m.cancel_at_period_end ? m.current_period_end : null)
      if (!LIVE.includes(m.status) || !endsAt) return { sent: false, reason: `no cancellation is scheduled now (${m.status})` }
      if (m.canceled_at && Math.floor(m.canceled_at.getTime() / 1000) !== requestOf(s)) {
        return { sent: false, reason: 'a newer cancellation request replaced this one' }
      }
      const org = await organizationForCustomer(sql, customerId)
      // Its subscription-created run (the same batch, in any order) makes the organization: wait for it.
      if (!org && (await organizationExpected(sql, s.id))) throw new Error(`no organization for Stripe customer ${customerId} yet`)
      if (!org || org.deleted_at) return { sent: false, reason: 'no organization for this customer' }
      const c = await customer(sql, customerId)
      return await enqueueEmail(sql, {
        type: 'cancellation_scheduled',
        to: org.billing_email ?? c?.email,
        organizationId: org.id,
        runId: run.id,
        idempotencyKey: `cancellation_scheduled:${s.id}:${requestOf(s)}`,
        props: { organizationName: org.name, plan: m.nickname, endsAt: endsAt.toISOString(), resumeUrl: billingUrl(org.id) },
      })
    })
  },
)
