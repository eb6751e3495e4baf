// What the web app asks of Stripe on a user's behalf: Checkout, the billing portal, a sync of the
// caller's own customer now (after Checkout), and the GDPR export link after cancellation.
import type postgres from 'postgres'
import type Stripe from 'stripe'
import { appUrlAt, billingPath } from '../app-urls.ts'
import { call, type StripeContext } from '../stripe/context.ts'
import { HttpError } from '../errors.ts'
import { createExportLink } from '../exports/create.ts'
import type { GroupSyncer } from '../sync/worker.ts'
import { asUser } from './as-user.ts'
import type { Caller } from './caller.ts'
import { adminsOnly, notFound } from './errors.ts'
import { LIVE_STATUSES, plans } from './overview.ts'
import { type TrialTerms, trialTermsOf } from './trial-days.ts'

export interface BillingDeps {
  sql: postgres.Sql
  stripe: () => StripeContext
  /** Syncs one customer now, as the queue worker would (fetch, apply, hand off to the workflows). */
  syncer: () => GroupSyncer
  appUrl: string
  apiUrl: string
  exportSecret: string
}

export interface Membership {
  role: 'admin' | 'member'
  name: string
  billing_email: string | null
  billing_status: string | null
  stripe_customer_id: string | null
  /** The organization's customer was deleted in Stripe (as the mirror knows). */
  customer_deleted: boolean
  live: boolean
}

/** The caller's membership of the organization, read through RLS; 404 when they are not a member. */
export async function membership(deps: BillingDeps, caller: Caller, orgId: string): Promise<Membership> {
  const [row] = await asUser(deps.sql, caller, (tx) =>
    tx<Membership[]>`
    select m.role, o.name, o.billing_email, o.billing_status, o.stripe_customer_id,
           coalesce((select c.deleted from public.stripe_customers c where c.id = o.stripe_customer_id), false) as customer_deleted,
           exists (select 1 from public.stripe_subscriptions s where s.organization_id = o.id and s.status in ${tx(LIVE_STATUSES)}) as live
    from public.organizations o join public.organization_members m on m.organization_id = o.id and m.user_id = (select auth.uid())
    where o.id = ${orgId}`)
  if (!row) throw notFound()
  return row
}

/**
 * The organization's Stripe customer, created on first use with the organization and user in its
 * metadata (before any payment, so every later event routes to the organization), and created anew
 * when the old one was deleted in Stripe. The idempotency key makes two concurrent checkouts share one.
 */
async function ensureCustomer(deps: BillingDeps, ctx: StripeContext, caller: Caller, orgId: string, m: Membership): Promise<string> {
  if (m.stripe_customer_id && !m.customer_deleted) return m.stripe_customer_id
  const replaced = m.stripe_customer_id
  const customer = await call(`create customer for organization ${orgId}`, () =>
    ctx.stripe.customers.create(
      { email: m.billing_email ?? caller.email ?? undefined, name: m.name, metadata: { organization_id: orgId, user_id: caller.userId } },
      { idempotencyKey: `organization-customer-${orgId}${replaced ? `-after-${replaced}` : ''}` },
    ))
  const [row] = await deps.sql<{ stripe_customer_id: string }[]>`
    select billing.service_role_link_customer(${orgId}, ${customer.id}, ${replaced}) as stripe_customer_id`
  if (replaced) console.log(`billing: organization ${orgId} gets customer ${row.stripe_customer_id} (${replaced} was deleted in Stripe)`)
  return row.stripe_customer_id
}

/** The trial part of subscription_data: days, and what happens if it ends without a card. */
function trialData(t: TrialTerms): Stripe.Checkout.SessionCreateParams.SubscriptionData {
  if (t.days === 0) return {}
  return { trial_period_days: t.days, trial_settings: { end_behavior: { missing_payment_method: t.endBehavior } } }
}

export async function startCheckout(deps: BillingDeps, caller: Caller, orgId: string, priceId: string): Promise<string> {
  const m = await membership(deps, caller, orgId)
  if (m.role !== 'admin') throw adminsOnly()
  if (m.live) throw new HttpError(409, 'already_subscribed', 'This organization already has a subscription. Use "Manage billing" to change it.')
  const plan = (await plans(deps.sql)).find((p) => p.price_id === priceId)
  if (!plan) throw new HttpError(422, 'unknown_price', `There is no plan with the price "${priceId}". Choose one of the plans shown.`)
  const ctx = deps.stripe()
  const customer = await ensureCustomer(deps, ctx, caller, orgId, m)
  const back = appUrlAt(deps.appUrl, billingPath(orgId))
  const trial = await trialTermsOf(deps.sql, priceId)
  const session = await call(`create checkout session for ${customer}`, () =>
    ctx.stripe.checkout.sessions.create(
      {
        mode: 'subscription',
        customer,
        client_reference_id: orgId,
        line_items: [{ price: priceId, quantity: 1 }],
        success_url: `${back}?checkout=success&session_id={CHECKOUT_SESSION_ID}`,
        cancel_url: `${back}?checkout=cancel`,
        subscription_data: { metadata: { organization_id: orgId }, ...trialData(trial) },
        // Stripe's "Add promotion code" field; Stripe checks each code (expired, used up, first-time only).
        allow_promotion_codes: true,
        ...(trial.withoutCard ? { payment_method_collection: 'if_required' as const } : {}),
        metadata: { organization_id: orgId, user_id: caller.userId },
      } satisfies Stripe.Checkout.SessionCreateParams,
    ))
  if (!session.url) throw new HttpError(502, 'stripe_error', 'Stripe did not return a checkout page; try again.')
  console.log(`billing: checkout ${session.id} for organization ${orgId} (customer ${customer}, price ${priceId})`)
  return session.url
}

export async function openPortal(deps: BillingDeps, caller: Caller, orgId: string): Promise<string> {
  const m = await membership(deps, caller, orgId)
  if (m.role !== 'admin') throw adminsOnly()
  if (!m.stripe_customer_id) throw new HttpError(409, 'no_customer', 'This organization has no billing account yet. Choose a plan first.')
  if (m.customer_deleted) {
    throw new HttpError(409, 'customer_deleted', "This organization's billing account was deleted in Stripe. Choose a plan to start a new subscription.")
  }
  const ctx = deps.stripe()
  const session = await call(
    `create portal session for ${m.stripe_customer_id}`,
    () =>
      ctx.stripe.billingPortal.sessions.create({ customer: m.stripe_customer_id!, return_url: `${appUrlAt(deps.appUrl, billingPath(orgId))}?portal=return` }),
  )
  return session.url
}

/** sync-now fetches a customer at most once in this interval (per function instance): a page polling,
 * or a user hammering the button, must not drain the Stripe rate limit the sync worker shares. */
export const SYNC_NOW_MIN_INTERVAL_MS = 2000
const lastSyncNow = new Map<string, number>()

/** Fetches the caller's customer from Stripe now, instead of waiting for the webhook (t3's advice). */
export async function syncNow(deps: BillingDeps, caller: Caller, orgId: string): Promise<{ synced: boolean }> {
  const m = await membership(deps, caller, orgId)
  if (!m.stripe_customer_id) return { synced: false }
  const customerId = m.stripe_customer_id
  const now = Date.now()
  if (now - (lastSyncNow.get(customerId) ?? 0) < SYNC_NOW_MIN_INTERVAL_MS) return { synced: false }
  lastSyncNow.set(customerId, now)
  if (lastSyncNow.size > 10_000) lastSyncNow.clear()
  await deps.syncer()({ key: `customer:${customerId}`, target: { kind: 'customer', customerId }, messages: [], eventIds: [] })
  return { synced: true }
}

export async function exportLink(deps: BillingDeps, caller: Caller, orgId: string): Promise<{ url: string; expires_at: string }> {
  const m = await membership(deps, caller, orgId)
  if (m.role !== 'admin') throw new HttpError(403, 'admins_only', 'Only an admin of this organization can download its data.')
  if (m.billing_status !== 'cancelled') {
    throw new HttpError(
      409,
      'not_cancelled',
      m.billing_status === 'deleted'
        ? "This organization's data has already been deleted."
        : 'The data export is available once the subscription has been cancelled.',
    )
  }
  const link = await createExportLink(deps.sql, orgId, { apiUrl: deps.apiUrl, secret: deps.exportSecret })
  await deps.sql`insert into billing.audit_log (action, organization_id, detail)
    values ('export.link_created', ${orgId}, ${deps.sql.json({ export_id: link.exportId, user_id: caller.userId })})`
  return { url: link.url, expires_at: link.expiresAt.toISOString() }
}
