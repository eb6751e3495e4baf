// Test fixtures for the billing workflows: a Stripe customer and its mirror rows as the sync would have
// written them, events handed over as the sync hands them over, and a runner that settles due work.
import type postgres from 'postgres'
import { appUrlOf, LOCAL_EXPORT_SECRET } from '../../dev/stack/services.ts'
import { deliverDueEmails } from '../../supabase/functions/_shared/email/outbox.ts'
import type { SyncedEvent } from '../../supabase/functions/_shared/sync/handoff.ts'
import { WORKFLOWS } from '../../supabase/functions/_shared/workflows/registry.ts'
import { runDue } from '../../supabase/functions/_shared/workflows/runner.ts'
import { dispatchSyncedEvents } from '../../supabase/functions/_shared/pipeline/synced-events.ts'
import { apiUrl, stackProfile, uniq } from './stack.ts'

/** The web app's address in the stack's functions host, so emails link to it wherever a run was rendered. */
export const stackAppUrl = appUrlOf(stackProfile)

/**
 * The environment the workflows read, pointed at the test stack exactly as the functions host has it: the
 * stack's own worker (pg_cron, webhook kicks) may claim a run a test dispatched before the test's runner
 * does, so both must render the same email (a different APP_URL put the web app's port in one test's link).
 */
export function useStackEnv(): void {
  process.env.SMTP_HOST = '127.0.0.1'
  process.env.SMTP_PORT = String(stackProfile.ports.smtp)
  process.env.EMAIL_TRANSPORT = 'smtp'
  process.env.SUPABASE_URL = apiUrl
  process.env.EXPORT_SIGNING_SECRET = LOCAL_EXPORT_SECRET
  process.env.APP_URL = stackAppUrl
}

export interface Customer {
  id: string
  email: string
  userId: string
}

/** A signed-up user who owns a Stripe customer (metadata.user_id), mirrored as the sync writes it. */
export async function customerWithUser(sql: postgres.Sql, name = 'Acme Test'): Promise<Customer> {
  const id = uniq('cus')
  const email = `${uniq('owner')}@example.test`
  const [{ id: userId }] = await sql`insert into auth.users (instance_id, id, aud, role, email, created_at, updated_at)
    values ('00000000-0000-0000-0000-000000000000', gen_random_uuid(), 'authenticated', 'authenticated', ${email}, now(), now()) returning id`
  await sql`insert into public.stripe_customers (id, user_id, email, name, metadata, raw, stripe_fetched_at)
    values (${id}, ${userId}, ${email}, ${name}, ${sql.json({ user_id: userId })}, '{}', now())`
  return { id, email, userId }
}

export function subscription(c: Customer, overrides: Record<string, unknown> = {}) {
  return {
    id: uniq('sub'),
    object: 'subscription',
    customer: c.id,
    status: 'active',
    trial_end: null,
    items: { data: [{ price: { id: 'price_pro_monthly', nickname: 'Pro monthly', recurring: { interval: 'month' }, product: 'prod_pro' } }] },
    ...overrides,
  }
}

export function invoice(c: Customer, subscriptionId: string, overrides: Record<string, unknown> = {}) {
  return {
    id: uniq('in'),
    object: 'invoice',
    customer: c.id,
    number: uniq('INV').toUpperCase(),
    amount_due: 4900,
    amount_paid: 0,
    currency: 'usd',
    status: 'open',
    hosted_invoice_url: `http://127.0.0.1:12111/invoices/pay`,
    next_payment_attempt: Math.floor(Date.now() / 1000) + 3 * 86400,
    parent: { subscription_details: { subscription: subscriptionId } },
    ...overrides,
  }
}

/**
 * Writes an object to the mirror as the sync writes what it fetched from Stripe (the same SQL function):
 * a subscription, an invoice, or the customer itself.
 */
export async function mirror(sql: postgres.Sql, object: Record<string, unknown>): Promise<void> {
  const customerId = (object.object === 'customer' ? object.id : object.customer) as string
  const [known] = await sql<{ raw: Record<string, unknown> }[]>`select jsonb_build_object('id', id, 'object', 'customer', 'email', email,
      'name', name, 'metadata', metadata) as raw from public.stripe_customers where id = ${customerId}`
  const customer = object.object === 'customer' ? { ...known?.raw, ...object } : known?.raw ?? { id: customerId, object: 'customer' }
  const subscriptions = object.object === 'subscription' ? [object] : []
  const invoices = object.object === 'invoice' ? [object] : []
  await sql`select billing.service_role_apply_customer_state(${customerId}, ${sql.json(customer as never)}, ${sql.json(subscriptions as never)},
    ${sql.json(invoices as never)}, clock_timestamp())`
}

/**
 * Hands a Stripe event to the workflows exactly as the sync does after writing the mirror; the object in
 * the event is mirrored first, as the sync would have fetched it (unless `mirror: false`: Stripe lacks it).
 */
export async function handOver(sql: postgres.Sql, type: string, object: Record<string, unknown>, previous?: Record<string, unknown>, opts: { mirror?: boolean } = {}): Promise<string> {
  if (['subscription', 'invoice', 'customer'].includes(object.object as string) && opts.mirror !== false) await mirror(sql, object)
  const id = uniq('evt')
  const event: SyncedEvent = {
    id,
    type,
    created: new Date(),
    customerId: (object.customer as string) ?? (object.object === 'customer' ? (object.id as string) : null),
    objectId: object.id as string,
    payload: { id, object: 'event', type, created: Math.floor(Date.now() / 1000), livemode: false, data: { object, ...(previous ? { previous_attributes: previous } : {}) } } as never,
  }
  await sql.begin((tx) => dispatchSyncedEvents(WORKFLOWS)(tx, [event]))
  return id
}

/**
 * Runs all due workflow work and email delivery as of a time, until nothing more is due and nothing is
 * in progress: the stack's own worker (pg_cron, webhook kicks) may have claimed a run or an email this
 * test made, so a run still `running` or an email still `sending` is waited for, not taken as done.
 */
export async function settle(sql: postgres.Sql, asOf?: Date, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const r = await runDue(sql, WORKFLOWS, { asOf })
    const e = await deliverDueEmails(sql, { now: asOf })
    if (r.completed.length + r.sleeping.length + r.retried.length + r.delivered + e.sent.length + e.retrying.length === 0) {
      const [busy] = await sql<{ n: number }[]>`select
        (select count(*) from billing.workflow_runs where status = 'running' and lease_until > now() and workflow_id = any(${WORKFLOWS.map((w) => w.id)}))::int +
        (select count(*) from billing.email_outbox where status = 'sending' and lease_until > now())::int as n`
      if (busy.n === 0) return
    }
    if (Date.now() > deadline) throw new Error(`workflow runs or emails still in progress after ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

export const days = (n: number) => new Date(Date.now() + n * 86_400_000)

/**
 * The emails recorded for an address, oldest first (type and status). After `settle` the work is known to
 * be done, so this is the state that shows what was, and was not, sent: no waiting for mail that never comes.
 */
export async function outboxTo(sql: postgres.Sql, email: string): Promise<{ email_type: string; status: string; organization_id: string | null }[]> {
  return (await sql`select email_type, status, organization_id from billing.email_outbox where to_email = ${email} order by created_at, id`) as never
}
