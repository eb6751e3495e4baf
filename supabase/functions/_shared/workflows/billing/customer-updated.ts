// A Stripe customer changed: when its name or email changed (previous_attributes), update the
// organization's name or billing email; when its email changed, update the owner's profile email.
import { defineWorkflow } from '../define.ts'
import { organizationForCustomer } from './lookups.ts'

export const customerUpdated = defineWorkflow({ id: 'customer-updated', triggers: ['customer.updated'] }, async ({ event, step, sql }) => {
  const c = event.data.object as { id: string; name?: string | null; email?: string | null; metadata?: Record<string, string> }
  const previous = (event.data.previous_attributes ?? {}) as Record<string, unknown>
  const nameChanged = 'name' in previous && !!c.name
  const emailChanged = 'email' in previous && !!c.email
  if (!nameChanged && !emailChanged) return { updated: false }
  await step.run('update-organization-details', async () => {
    const org = await organizationForCustomer(sql, c.id)
    if (!org || org.deleted_at) return { updated: false }
    await sql`update public.organizations set
        name = case when ${nameChanged} then ${c.name ?? null} else name end,
        billing_email = case when ${emailChanged} then ${c.email ?? null} else billing_email end,
        updated_at = now()
      where id = ${org.id}`
    return { updated: true, organizationId: org.id }
  })
  if (emailChanged) {
    await step.run('sync-user-profile', async () => {
      const [owner] = await sql<{ user_id: string | null }[]>`select user_id from public.stripe_customers where id = ${c.id}`
      if (!owner?.user_id) return { updated: false, reason: 'no user owns this customer' }
      await sql`update public.profiles set email = ${c.email!}, updated_at = now() where id = ${owner.user_id}`
      return { updated: true, userId: owner.user_id }
    })
  }
  return { updated: true }
})
