// A customer withdrew a scheduled cancellation (resumed before the end): one email confirms the
// subscription goes on. One per withdrawn request: the run is keyed by that request's time (the
// canceled_at the update cleared), so duplicates send nothing more, and a cancellation asked again
// before the run reads the mirror sends nothing (the cancellation-scheduled email says what holds).
import { billingUrl } from '../../app-urls.ts'
import { enqueueEmail } from '../../email/outbox.ts'
import { defineWorkflow, type WorkflowEvent } from '../define.ts'
import { customer, idOf, mirroredSubscription, organizationForCustomer } from './lookups.ts'

interface Resumed {
  id: string
  customer: unknown
  status: string
  cancel_at_period_end?: boolean | null
  cancel_at?: number | null
}

const LIVE = ['active', 'trialing', 'past_due']

const before = (e: WorkflowEvent) =>
  (e.data.previous_attributes ?? {}) as { cancel_at_period_end?: boolean | null; cancel_at?: number | null; canceled_at?: number | null }

/** An update that cleared a scheduled cancellation of a live subscription. */
function resumesCancellation(e: WorkflowEvent): boolean {
  const s = e.data.object as Resumed
  const b = before(e)
  return LIVE.includes(s.status) && !s.cancel_at_period_end && !s.cancel_at && (b.cancel_at_period_end === true || !!b.cancel_at)
}

/** The withdrawn request: when it was made (Stripe's canceled_at before the update). */
const withdrawnOf = (e: WorkflowEvent) => before(e).canceled_at ?? before(e).cancel_at ?? 0

export const subscriptionResumed = defineWorkflow(
  {
    id: 'subscription-resumed',
    triggers: ['customer.subscription.updated'],
    when: resumesCancellation,
    key: (e) => `subscription:${(e.data.object as Resumed).id}:resume:${withdrawnOf(e)}`,
  },
  async ({ event, step, sql, run }) => {
    const s = event.data.object as Resumed
    const customerId = idOf(s.customer)
    return await step.run('send-subscription-resumed-email', async () => {
      const m = await mirroredSubscription(sql, s.id)
      if (!m) return { sent: false, reason: `Stripe has no subscription ${s.id}` }
      if (!LIVE.includes(m.status) || m.cancel_at_period_end || m.cancel_at) {
        return { sent: false, reason: `the subscription is not going on now (${m.status}, cancellation ${m.cancel_at ? 'set' : 'none'})` }
      }
      const org = await organizationForCustomer(sql, customerId)
      if (!org || org.deleted_at) return { sent: false, reason: 'no organization for this customer' }
      const c = await customer(sql, customerId)
      return await enqueueEmail(sql, {
        type: 'subscription_resumed',
        to: org.billing_email ?? c?.email,
        organizationId: org.id,
        runId: run.id,
        idempotencyKey: `subscription_resumed:${s.id}:${withdrawnOf(event)}`,
        props: { organizationName: org.name, plan: m.nickname, renewsAt: m.current_period_end?.toISOString() ?? null, manageBillingUrl: billingUrl(org.id) },
      })
    })
  },
)
