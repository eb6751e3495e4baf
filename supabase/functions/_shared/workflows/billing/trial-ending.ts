// Trial ending: one email per trial, whether our own reminder (scheduled by subscription-created) or
// Stripe's customer.subscription.trial_will_end comes first, and none if the subscription is no longer
// trialing (or unknown to Stripe) when it is time to send. The trial end in the email is Stripe's (the
// mirror's); a reminder for a trial end Stripe no longer has (the trial was changed) sends nothing. It says
// what the end will do: charge the card on file, or (none on file) pause or cancel as trial_settings say.
import { enqueueEmail } from '../../email/outbox.ts'
import { defineWorkflow, type WorkflowEvent } from '../define.ts'
import { keyOf } from '../keys.ts'
import { appUrl, billingUrl } from '../../app-urls.ts'
import { customer, organizationForCustomer } from './lookups.ts'
import { cardOnFile } from '../../billing/payment-details.ts'
import { trialEndBehavior } from '../../billing/trial-days.ts'

function trialOf(e: WorkflowEvent): { subscriptionId: string; trialEnd: number; customerId: string | null } {
  if (e.name === 'trial/expiration-reminder') {
    const { subscriptionId, trialEnd, customerId } = e.data as { subscriptionId?: string; trialEnd?: number; customerId?: string }
    return { subscriptionId: subscriptionId as string, trialEnd: trialEnd as number, customerId: customerId ?? null }
  }
  const sub = e.data.object as { id: string; trial_end: number; customer: string }
  return { subscriptionId: sub.id, trialEnd: sub.trial_end, customerId: typeof sub.customer === 'string' ? sub.customer : null }
}

export const trialEnding = defineWorkflow(
  {
    id: 'trial-ending',
    triggers: ['trial/expiration-reminder', 'customer.subscription.trial_will_end'],
    // Both triggers of one trial are the same run: the email goes once.
    key: (e) => {
      const t = trialOf(e)
      return keyOf('trial', t.subscriptionId, t.trialEnd)
    },
  },
  async ({ event, step, sql, run }) => {
    const t = trialOf(event)
    return await step.run('send-trial-ending-email', async () => {
      const [sub] = await sql<{ status: string; customer_id: string; price_id: string | null; trial_end: Date | null; raw: unknown }[]>`
        select status, customer_id, price_id, trial_end, raw from public.stripe_subscriptions where id = ${t.subscriptionId}`
      // The mirror holds every subscription Stripe has for the customer: one it lacks is not a trial of ours.
      if (!sub) return { sent: false, reason: `Stripe has no subscription ${t.subscriptionId}` }
      if (sub.status !== 'trialing') return { sent: false, reason: `subscription is ${sub.status}` }
      if (!sub.trial_end || Math.floor(sub.trial_end.getTime() / 1000) !== t.trialEnd) {
        return { sent: false, reason: `the trial now ends at ${sub.trial_end?.toISOString() ?? 'no date'}` }
      }
      const customerId = t.customerId ?? sub?.customer_id ?? null
      const org = await organizationForCustomer(sql, customerId)
      const c = await customer(sql, customerId)
      const [price] = sub?.price_id ? await sql<{ nickname: string | null }[]>`select nickname from public.stripe_prices where id = ${sub.price_id}` : []
      return await enqueueEmail(sql, {
        type: 'trial_ending',
        to: org?.billing_email ?? c?.email,
        organizationId: org?.id,
        runId: run.id,
        idempotencyKey: `trial_ending:${t.subscriptionId}:${t.trialEnd}`,
        props: {
          organizationName: org?.name ?? c?.name ?? null,
          trialEndsAt: sub.trial_end.toISOString(),
          plan: price?.nickname ?? null,
          manageBillingUrl: org ? billingUrl(org.id) : appUrl('/'),
          // What the end of the trial will do, as Stripe will do it: charge the card, or pause / cancel without one.
          endBehavior: trialEndBehavior(sub.raw),
          cardOnFile: (await cardOnFile(sql, sub.customer_id, t.subscriptionId, null)) !== null,
        },
      })
    })
  },
)
