// A Stripe customer changed: when its name or email changed (previous_attributes says which), the
// organization takes the customer's current name or email as Stripe has it (the mirror), not the event's
// payload. The email is the organization's billing contact only: a person's identity (profiles) comes
// from Auth, never from Stripe.
import { defineWorkflow } from '../define.ts'
import { customer, organizationForCustomer } from './lookups.ts'

export const customerUpdated = defineWorkflow({ id: 'customer-updated', triggers: ['customer.updated'] }, async ({ event, step, sql }) => {
  const customerId = (event.data.object as { id: string }).id
  const previous = (event.data.previous_attributes ?? {}) as Record<string, unknown>
  const nameChanged = 'name' in previous
  const emailChanged = 'email' in previous
  if (!nameChanged && !emailChanged) return { updated: false }
  return await step.run('update-organization-details', async () => {
    const [org, c] = [await organizationForCustomer(sql, customerId), await customer(sql, customerId)]
    if (!org || org.deleted_at) return { updated: false, reason: 'no organization for this customer' }
    if (!c) return { updated: false, reason: `Stripe has no customer ${customerId}` }
    // Only the organization's current customer speaks for it, and an empty value clears nothing.
    if (org.stripe_customer_id && org.stripe_customer_id !== customerId) return { updated: false, reason: "not the organization's current customer" }
    const name = nameChanged && c.name?.trim() ? c.name : null
    const email = emailChanged && c.email ? c.email : null
    await sql`select billing.service_role_take_customer_details(${org.id}, ${name}, ${email})`
    return { updated: true, organizationId: org.id }
  })
})
