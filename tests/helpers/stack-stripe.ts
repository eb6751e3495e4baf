// Real Stripe activity in the running stack's emulator, for end-to-end tests: a signed-up user, a Stripe
// customer of theirs on a test clock of its own, the clock moved forward, and a wait until the product
// has caught up (webhooks delivered, synced, workflows and emails run as of the clock's time).
import type postgres from 'postgres'
import type Stripe from 'stripe'
import { stripeFor } from '../../dev/stack/stripe.ts'
import { mailsTo } from './mail.ts'
import { functionsUrl, keys, stackProfile, uniq } from './stack.ts'

export const stripe: Stripe = stripeFor(stackProfile)
export const DAY = 86_400
const emulatorUrl = `http://127.0.0.1:${stackProfile.ports.stripe}`
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** The emulator's control API (/_emulator/...): not part of Stripe's. */
export async function control(path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${emulatorUrl}/_emulator${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  if (!res.ok) throw new Error(`emulator ${path} answered ${res.status}: ${await res.text()}`)
  return res.json()
}

/** The product's clock: stripe-sync runs the workflow work and emails due at `asOf`. */
async function runDue(asOf: Date): Promise<void> {
  const res = await fetch(`${functionsUrl}/stripe-sync`, {
    method: 'POST',
    headers: { authorization: `Bearer ${keys.serviceRole}`, 'content-type': 'application/json' },
    body: JSON.stringify({ mode: 'run-due', asOf: asOf.toISOString(), trigger: 'e2e-test' }),
  })
  if (!res.ok) throw new Error(`stripe-sync run-due answered ${res.status}: ${await res.text()}`)
  await res.arrayBuffer()
}

export interface Flow {
  userId: string
  email: string
  organizationId: string | null
  customer: Stripe.Customer
  clock: Stripe.TestHelpers.TestClock
  /** The test clock's time, unix seconds. */
  now(): number
  /** Moves the test clock to `to` (unix seconds) and waits until the product has caught up with it. */
  advanceTo(to: number): Promise<void>
  /** Waits until the customer's webhooks are synced and nothing of theirs is due at `asOf` (default: the clock). */
  settle(asOf?: Date): Promise<void>
  /** Attaches a test card and makes it the customer's default. */
  useCard(token: string): Promise<void>
  /** Subjects of the mail maildev holds for the customer, oldest first. */
  subjects(): Promise<string[]>
}

interface FlowOptions {
  /** The customer's name, and the organization's when the test creates one. */
  name: string
  /** The Stripe customer's name when it differs from the organization's. */
  customerName?: string
  /** Create the organization first, as the web app does, and route the customer to it (metadata.organization_id). */
  withOrganization?: boolean
  card?: string
  /** Where the test clock starts (unix seconds; default now). */
  clockAt?: number
}

async function signedUpUser(sql: postgres.Sql, email: string): Promise<string> {
  const [{ id }] = await sql`insert into auth.users (instance_id, id, aud, role, email, created_at, updated_at)
    values ('00000000-0000-0000-0000-000000000000', gen_random_uuid(), 'authenticated', 'authenticated', ${email}, now(), now()) returning id`
  return id
}

/** `public.create_organization` called as the signed-in user, as the web app calls it. */
async function organizationOf(sql: postgres.Sql, userId: string, name: string): Promise<string> {
  return await sql.begin(async (tx) => {
    await tx`select set_config('request.jwt.claims', ${JSON.stringify({ sub: userId, role: 'authenticated' })}, true)`
    await tx`set local role authenticated`
    const [{ id }] = await tx`select public.create_organization(${name}) as id`
    return id as string
  })
}

/**
 * What is still to do for one customer as of `asOf`; all zero once the product has caught up. Runs and
 * emails that were never tried count whatever their due time: they were queued after `asOf` was taken.
 */
async function pending(sql: postgres.Sql, customerId: string, email: string, asOf: Date) {
  const [row] = await sql<{ events: number; runs: number; scheduled: number; emails: number }[]>`select
    (select count(*) from billing.stripe_events where customer_id = ${customerId} and status <> 'processed')::int as events,
    (select count(*) from billing.workflow_runs where event -> 'data' ->> 'customerId' = ${customerId}
      and (status = 'running' or (status = 'queued' and attempts = 0) or (status in ('queued', 'sleeping') and wake_at <= ${asOf})))::int as runs,
    (select count(*) from billing.workflow_events where data ->> 'customerId' = ${customerId}
      and delivered_at is null and cancelled_at is null and deliver_at <= ${asOf})::int as scheduled,
    (select count(*) from billing.email_outbox where to_email = ${email}
      and (status = 'sending' or (status = 'pending' and (attempts = 0 or next_attempt_at <= ${asOf}))))::int as emails`
  return row
}

export async function emulatedCustomer(sql: postgres.Sql, opts: FlowOptions): Promise<Flow> {
  const email = `${uniq('e2e')}@example.test`
  const userId = await signedUpUser(sql, email)
  const organizationId = opts.withOrganization ? await organizationOf(sql, userId, opts.name) : null
  let clock = await stripe.testHelpers.testClocks.create({ frozen_time: opts.clockAt ?? Math.floor(Date.now() / 1000) })
  const card = opts.card ?? 'pm_card_visa'
  const customer = await stripe.customers.create({
    email,
    name: opts.customerName ?? opts.name,
    test_clock: clock.id,
    metadata: { user_id: userId, ...(organizationId ? { organization_id: organizationId } : {}) },
    payment_method: card,
    invoice_settings: { default_payment_method: card },
  })

  const flow: Flow = {
    userId,
    email,
    organizationId,
    customer,
    get clock() {
      return clock
    },
    now: () => clock.frozen_time,
    async advanceTo(to) {
      clock = await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: to })
      await flow.settle()
    },
    async settle(asOf) {
      // The product's clock never runs behind real time (a clock may start in the past).
      const productTime = () => asOf ?? new Date(Math.max(clock.frozen_time * 1000, Date.now()))
      // Generous: on a loaded machine the stack's workflows and deliveries take many seconds.
      const deadline = Date.now() + 60_000
      await control('/deliveries/wait', { timeout_ms: 30_000 })
      for (;;) {
        const at = productTime()
        await runDue(at)
        const left = await pending(sql, customer.id, email, at)
        if (Object.values(left).every((n) => n === 0)) break
        if (Date.now() > deadline) throw new Error(`customer ${customer.id} did not settle: ${JSON.stringify(left)}`)
        await sleep(100)
      }
    },
    async useCard(token) {
      const pm = await stripe.paymentMethods.attach(token, { customer: customer.id })
      await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } })
    },
    async subjects() {
      const [{ sent }] = await sql<{ sent: number }[]>`select count(*)::int as sent from billing.email_outbox where to_email = ${email} and status = 'sent'`
      return (await mailsTo(email, { atLeast: sent })).map((m) => m.subject)
    },
  }
  return flow
}
