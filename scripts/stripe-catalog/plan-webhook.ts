// The webhook endpoint for this project's stripe-webhook function: subscribed to exactly the types the
// product handles (supabase/functions/_shared/stripe/handled-events.ts), enabled, at the pinned API
// version. Stripe shows an endpoint's signing secret only when it is created, so that is printed once.
import type Stripe from 'stripe'
import { STRIPE_API_VERSION } from '../../supabase/functions/_shared/stripe/client.ts'
import { HANDLED_EVENT_TYPES } from '../../supabase/functions/_shared/stripe/handled-events.ts'
import type { Catalog } from './catalog.ts'
import type { Change } from './plan-products.ts'

export async function planWebhook(stripe: Stripe, catalog: Catalog, projectUrl: string): Promise<{ changes: Change[]; warnings: string[] }> {
  const url = `${projectUrl.replace(/\/+$/, '')}${catalog.webhook.path}`
  const events = [...HANDLED_EVENT_TYPES].sort() as Stripe.WebhookEndpointCreateParams.EnabledEvent[]
  const all = await stripe.webhookEndpoints.list({ limit: 100 }).autoPagingToArray({ limit: 1000 })
  const mine = all.filter((e) => e.url === url).sort((a, b) => Number(b.status === 'enabled') - Number(a.status === 'enabled'))
  const have = mine[0]
  const warnings = mine.slice(1).map((e) => `endpoint ${e.id} also sends to ${url}: events arrive twice (harmless, the inbox is idempotent); delete it when unused`)
  if (!have) {
    return {
      warnings,
      changes: [{
        summary: `+ webhook endpoint → ${url} (${events.length} event types, API version ${STRIPE_API_VERSION})`,
        apply: async ({ stripe: s, log }) => {
          const e = await s.webhookEndpoints.create({ url, enabled_events: events, api_version: STRIPE_API_VERSION, description: catalog.webhook.description })
          log(`webhook endpoint ${e.id} created. Its signing secret is shown this once; store it as a function secret:\n  npx supabase secrets set STRIPE_WEBHOOK_SECRETS=${e.secret}`)
        },
      }],
    }
  }
  if (have.api_version && have.api_version !== STRIPE_API_VERSION) {
    warnings.push(`endpoint ${have.id} sends events at ${have.api_version}, the product is pinned to ${STRIPE_API_VERSION}; Stripe cannot change that: create a new endpoint (delete this one, run stripe:setup again) and switch STRIPE_WEBHOOK_SECRETS`)
  }
  const added = events.filter((t) => !have.enabled_events.includes(t))
  const removed = have.enabled_events.filter((t) => !(events as string[]).includes(t))
  const fields = [
    ...(added.length ? [`+${added.length} event types`] : []),
    ...(removed.length ? [`-${removed.join(', -')}`] : []),
    ...(have.status !== 'enabled' ? ['enable'] : []),
    ...((have.description ?? undefined) !== catalog.webhook.description ? ['description'] : []),
  ]
  if (fields.length === 0) return { changes: [], warnings }
  return {
    warnings,
    changes: [{
      summary: `~ webhook endpoint ${have.id}: ${fields.join(', ')}`,
      apply: async ({ stripe: s }) => void (await s.webhookEndpoints.update(have.id, { enabled_events: events, disabled: false, description: catalog.webhook.description ?? '' })),
    }],
  }
}
