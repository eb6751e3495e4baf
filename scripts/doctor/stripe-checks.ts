// The Stripe half of the doctor: the key works, the webhook endpoint for this project's stripe-webhook
// exists, is enabled and subscribes to every type the product handles, at the pinned API version.
import type postgres from 'postgres'
import type Stripe from 'stripe'
import { STRIPE_API_VERSION } from '../../supabase/functions/_shared/stripe/client.ts'
import { HANDLED_EVENT_TYPES, missingEventTypes } from '../../supabase/functions/_shared/stripe/handled-events.ts'
import { fail, pass, type CheckResult } from './checklist.ts'

export const webhookUrlOf = (projectUrl: string) => `${projectUrl.replace(/\/+$/, '')}/functions/v1/stripe-webhook`

/** Lists every webhook endpoint; a failure here is the key's (unset, revoked, wrong mode). */
export async function checkStripeKey(stripe: Stripe): Promise<{ result: CheckResult; endpoints: Stripe.WebhookEndpoint[] | null }> {
  try {
    const endpoints = await stripe.webhookEndpoints.list({ limit: 100 }).autoPagingToArray({ limit: 1000 })
    return { result: pass('Stripe API key', `works (${endpoints.length} webhook endpoints)`), endpoints }
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err)
    return { result: fail('Stripe API key', `the Stripe API refused it or is unreachable: ${msg}`, 'set STRIPE_SECRET_KEY to the account\'s secret key (sk_live_… or sk_test_…); locally also STRIPE_API_BASE'), endpoints: null }
  }
}

export function checkWebhookEndpoint(endpoints: Stripe.WebhookEndpoint[], projectUrl: string, handled: readonly string[] = HANDLED_EVENT_TYPES): CheckResult {
  const url = webhookUrlOf(projectUrl)
  const name = 'Stripe webhook endpoint'
  const mine = endpoints.filter((e) => e.url === url)
  if (mine.length === 0) return fail(name, `none sends to ${url}`, 'npm run stripe:setup  (creates it with every handled event type), then set the secret it prints: npx supabase secrets set STRIPE_WEBHOOK_SECRETS=whsec_…')
  const enabled = mine.filter((e) => e.status === 'enabled')
  if (enabled.length === 0) return fail(name, `${mine.map((e) => e.id).join(', ')} sends to ${url} but is disabled`, `enable it: Dashboard → Developers → Webhooks, or stripe webhook_endpoints update ${mine[0].id} -d disabled=false`)
  const best = enabled.map((e) => ({ e, missing: missingEventTypes(e.enabled_events, handled) })).sort((a, b) => a.missing.length - b.missing.length)[0]
  if (best.missing.length > 0) {
    return fail(name, `${best.e.id} does not subscribe to ${best.missing.length} handled types: ${best.missing.join(', ')}`, 'npm run stripe:setup  (adds the missing types to the endpoint; the list is supabase/functions/_shared/stripe/handled-events.ts)')
  }
  return pass(name, `${best.e.id} → ${url}, ${handled.length} handled types covered`)
}

/**
 * The pin (supabase/functions/_shared/stripe/client.ts) against what Stripe sends: the endpoint's
 * version when it has one, and the events of the last day the inbox flagged as another version.
 */
export async function checkApiVersion(sql: postgres.Sql | postgres.TransactionSql, endpoints: Stripe.WebhookEndpoint[], projectUrl: string): Promise<CheckResult> {
  const name = 'Stripe API version'
  const other = endpoints.find((e) => e.url === webhookUrlOf(projectUrl) && e.api_version && e.api_version !== STRIPE_API_VERSION)
  const fix = `Stripe cannot change an endpoint's version: create one at ${STRIPE_API_VERSION} (npm run stripe:setup does), switch STRIPE_WEBHOOK_SECRETS to its secret, then delete the old one`
  if (other) return fail(name, `endpoint ${other.id} sends events at ${other.api_version}, the product is pinned to ${STRIPE_API_VERSION}`, fix)
  const [{ mismatched, sample }] = await sql<{ mismatched: number; sample: string | null }[]>`
    select count(*)::int as mismatched, min(api_version) as sample from billing.stripe_events
    where api_version_mismatch and received_at > now() - interval '24 hours'`
  if (mismatched > 0) return fail(name, `${mismatched} events of the last 24 h came at ${sample}, not ${STRIPE_API_VERSION} (select * from ops.api_version_mismatches)`, fix)
  return pass(name, `${STRIPE_API_VERSION}, as pinned`)
}
