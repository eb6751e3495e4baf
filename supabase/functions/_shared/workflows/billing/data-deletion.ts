// The scheduled deletion of an organization's personal data, 30 days after cancellation. A new
// subscription of the same customer that starts (not a declined first payment) cancels it before it is
// due; and at run time it checks again that the organization has not resubscribed.
import { defineWorkflow, type WorkflowEvent } from '../define.ts'
import { keyOf } from '../keys.ts'
import { idOf } from './lookups.ts'
import { startsSubscription } from './subscription-created.ts'

function resubscribed(e: WorkflowEvent): string | null {
  const c = idOf((e.data.object as { customer?: unknown }).customer)
  return startsSubscription(e) ? keyOf('customer', c) : null
}

export const dataDeletion = defineWorkflow(
  {
    id: 'data-deletion',
    triggers: ['data/deletion.scheduled'],
    key: (e) => keyOf('organization', e.data.organizationId, e.id),
    cancelKey: (e) => keyOf('customer', e.data.customerId),
    // Only a subscription that starts (paid, or trialing) counts as subscribing again, not a declined attempt.
    cancelOn: ['customer.subscription.created', 'customer.subscription.updated'].map((name) => ({ event: name, key: resubscribed })),
  },
  async ({ event, step, sql }) => {
    const organizationId = String(event.data.organizationId)
    return await step.run('delete-personal-data', async () => {
      const [org] = await sql<{ billing_status: string | null }[]>`select billing_status from public.organizations where id = ${organizationId}`
      if (!org) return { deleted: false, reason: 'organization no longer exists' }
      if (org.billing_status && ['active', 'trialing', 'past_due', 'payment_failed'].includes(org.billing_status)) {
        return { deleted: false, reason: `organization is ${org.billing_status} again` }
      }
      const [{ deleted }] = await sql<{ deleted: boolean }[]>`select billing.service_role_delete_organization_data(${organizationId}::uuid) as deleted`
      return { deleted }
    })
  },
)
