// Whole customer lifecycles driven through the Stripe emulator, for property tests: a few customers
// subscribe (good or failing card, trials), change plan and quantity, cancel at period end and resume,
// cancel now, swap cards and get deleted, while a test clock moves so renewals and dunning run. Every
// webhook is held, then delivered in the emulator's seeded chaotic order (reordered, duplicated, first
// attempts dropped) to the product's real webhook handler, and the real sync worker drains the queue.
// fast-check draws the chaos seed too, so a failing story replays from its seed and path.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import fc from 'fast-check'
import type postgres from 'postgres'
import type Stripe from 'stripe'
import { LIVE } from '../../dev/stripe-emulator/billing/lifecycle.ts'
import type { Obj } from '../../dev/stripe-emulator/shape.ts'
import type { SyncedEventsHandler } from '../../supabase/functions/_shared/sync/handoff.ts'
import { createGroupSyncer } from '../../supabase/functions/_shared/sync/syncer.ts'
import { runWorker } from '../../supabase/functions/_shared/sync/worker.ts'
import { handleStripeWebhook } from '../../supabase/functions/_shared/webhook/handler.ts'
import { uniq } from './stack.ts'
import { ownBucket, recordInto, startStripe, type EmulatedStripe } from './stripe-emulator.ts'

/**
 * PROPERTY_RUNS / PROPERTY_SEED, or the default: an integer of at least `min`. A property test that
 * runs nothing passes having proved nothing, so PROPERTY_RUNS=0 (or a typo) is an error, not a pass.
 */
export function propertySetting(name: string, fallback: number, min: number, value = process.env[name]): number {
  if (value === undefined || value === '') return fallback
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n < min) throw new Error(`${name}=${value} is not an integer of at least ${min}`)
  return n
}

const SECRET = 'whsec_lifecycle_property'
const DAY = 86_400
const CUSTOMERS = 3
const CARDS = { visa: 'pm_card_visa', fail: 'pm_card_chargeCustomerFail' } as const

const who = fc.integer({ min: 0, max: CUSTOMERS - 1 })
const card = fc.constantFrom<keyof typeof CARDS>('visa', 'fail')
const plan = fc.constantFrom(0, 1)
const quantity = fc.integer({ min: 1, max: 5 })
const operation = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('subscribe' as const), who, card, trial: fc.boolean(), plan, quantity }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('change' as const), who, plan, quantity }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('cancelAtPeriodEnd' as const, 'resume' as const, 'cancelNow' as const), who }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('replaceCard' as const), who, card }) },
  // A refund made in Stripe of the newest paid invoice: $1 of it, or all that is left.
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('refund' as const), who, full: fc.boolean() }) },
  // Stripe cancels the customer's subscriptions and the customer is gone for the rest of the story.
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deleteCustomer' as const), who }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('advance' as const), days: fc.integer({ min: 1, max: 40 }) }) },
  // Deliver what is held and sync it mid-story, so later syncs must overwrite earlier ones.
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deliver' as const) }) },
)
type Operation = typeof operation extends fc.Arbitrary<infer T> ? T : never
// At most 12 operations (≤ 2 renewals per advance): at most 24 invoices per customer, the newest the sync fetches.
const story = fc.record({ chaosSeed: fc.integer({ min: 1, max: 2 ** 31 - 1 }), operations: fc.array(operation, { minLength: 3, maxLength: 12 }) })

export interface Run {
  s: EmulatedStripe
  queue: string
  clock: Stripe.TestHelpers.TestClock
  prices: Stripe.Price[]
  customers: { id: string; org: string; email: string }[]
}

export interface Lifecycles {
  /**
   * Plays every story fast-check draws (set up, apply, deliver and sync everything, tear down) and runs
   * `check` on each; PROPERTY_RUNS and PROPERTY_SEED override the number of stories and the seed.
   */
  assertEveryStory(check: (run: Run) => Promise<void>, defaultRuns: number): Promise<void>
  close(): Promise<void>
}

/** The product's webhook handler in this process, recording into the current run's own queue. */
export async function lifecycles(sql: postgres.Sql, limiterSql: postgres.Sql, opts: { onSynced?: SyncedEventsHandler } = {}): Promise<Lifecycles> {
  let queue = ''
  // A rate-limit bucket of its own: chaos 429s from these emulators never pause the stack's Stripe calls.
  const { bucket, drop: dropBucket } = await ownBucket(sql)
  const receiver = http.createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const request = new Request('http://local/stripe-webhook', {
      method: req.method, body: Buffer.concat(chunks).toString('utf8'),
      headers: { 'content-type': 'application/json', 'stripe-signature': String(req.headers['stripe-signature'] ?? '') },
    })
    const answer = await handleStripeWebhook(request, { secrets: [SECRET], record: (e) => recordInto(sql, queue, e), kick: () => {} })
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(await answer.text())
  })
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r))
  const webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/stripe-webhook`

  /** The customer's newest subscription that has not ended. */
  const liveSub = (run: Run, customer: string) =>
    run.s.running.emu.all('subscription').filter((x) => x.customer === customer && LIVE.includes(x.status)).at(-1)

  async function useCard(run: Run, customer: string, which: keyof typeof CARDS) {
    const pm = await run.s.stripe.paymentMethods.attach(CARDS[which], { customer })
    await run.s.stripe.customers.update(customer, { invoice_settings: { default_payment_method: pm.id } })
  }

  async function deliverAndSync(run: Run): Promise<void> {
    const { webhooks } = run.s.running.emu
    webhooks.flush()
    if (!(await webhooks.idle(30_000))) throw new Error('webhook deliveries did not finish')
    const failed = webhooks.deliveries.filter((d) => d.state === 'failed')
    if (failed.length > 0) throw new Error(`deliveries failed for good: ${failed.map((d) => d.event_id).join(', ')}`)
    const syncer = createGroupSyncer({ sql, queue: run.queue, stripe: { stripe: run.s.limited(limiterSql, bucket) }, onSynced: opts.onSynced })
    for (let round = 0; round < 10; round++) {
      const report = await runWorker(sql, syncer, { queue: run.queue, batchSize: 100 })
      if (report.dead.length > 0) throw new Error(`sync dead-lettered: ${report.dead.map((d) => d.error).join('; ')}`)
      const [{ n }] = await sql`select queue_length::int as n from pgmq.metrics(${run.queue})`
      if (n === 0) return
      await sql.unsafe(`update pgmq.q_${run.queue} set vt = now()`)
    }
    throw new Error(`queue ${run.queue} did not drain`)
  }

  async function setUp(chaosSeed: number): Promise<Run> {
    const s = await startStripe({ webhookUrl, webhookSecret: SECRET, retryBaseMs: 5 })
    queue = uniq('lifeq')
    await sql`select pgmq.create(${queue})`
    const prices = []
    for (const [name, amount] of [['Basic', 1000], ['Pro', 2900]] as const) {
      const product = await s.stripe.products.create({ name, metadata: { 'limits.seats': String(amount / 100) } })
      prices.push(await s.stripe.prices.create({ product: product.id, unit_amount: amount, currency: 'usd', recurring: { interval: 'month' } }))
    }
    const clock = await s.stripe.testHelpers.testClocks.create({ frozen_time: Date.UTC(2026, 0, 15, 12) / 1000 })
    const customers = []
    for (let i = 0; i < CUSTOMERS; i++) {
      const [{ id: org }] = await sql`insert into public.organizations (name) values (${uniq('life')}) returning id`
      const email = `${org}@example.test`
      const c = await s.stripe.customers.create({ email, test_clock: clock.id, metadata: { organization_id: org } })
      customers.push({ id: c.id, org, email })
    }
    // From here on every delivery is held until flushed, then sent in the seeded (shuffled) order.
    await s.chaos({ seed: chaosSeed, reorder: 0.5, duplicate: 0.3, failFirst: 0.3, delayMs: 1000, hold: true })
    return { s, queue, clock, prices, customers }
  }

  /** Applies one operation through the official client; operations the state does not allow are skipped. */
  async function apply(run: Run, op: Operation): Promise<void> {
    const { stripe } = run.s
    if (op.kind === 'advance') {
      run.clock = await stripe.testHelpers.testClocks.advance(run.clock.id, { frozen_time: run.clock.frozen_time + op.days * DAY })
      return
    }
    if (op.kind === 'deliver') return deliverAndSync(run)
    const customer = run.customers[op.who].id
    if (run.s.running.emu.find(customer)?.deleted) return
    const live = liveSub(run, customer)
    switch (op.kind) {
      case 'subscribe':
        if (live) return
        await useCard(run, customer, op.card)
        await stripe.subscriptions.create({ customer, items: [{ price: run.prices[op.plan].id, quantity: op.quantity }], ...(op.trial ? { trial_period_days: 7 } : {}) })
        return
      case 'change':
        if (live) await stripe.subscriptions.update(live.id, { items: [{ id: live.items.data[0].id, price: run.prices[op.plan].id, quantity: op.quantity }] })
        return
      case 'cancelAtPeriodEnd':
      case 'resume':
        if (live) await stripe.subscriptions.update(live.id, { cancel_at_period_end: op.kind === 'cancelAtPeriodEnd' })
        return
      case 'cancelNow':
        if (live) await stripe.subscriptions.cancel(live.id)
        return
      case 'replaceCard':
        return useCard(run, customer, op.card)
      case 'deleteCustomer':
        await stripe.customers.del(customer)
        return
      case 'refund':
        return refundNewestPaid(run, customer, op.full)
    }
  }

  /** Refunds the newest paid invoice's charge ($1, or all that is left); skipped when nothing is left. */
  async function refundNewestPaid(run: Run, customer: string, full: boolean): Promise<void> {
    const emu = run.s.running.emu
    const paid = emu.all('invoice').filter((i: Obj) => i.customer === customer && i.status === 'paid' && i.amount_paid > 0).pop()
    if (!paid) return
    const inv = await run.s.stripe.invoices.retrieve(paid.id, { expand: ['payments'] })
    const intent = inv.payments?.data.find((p) => p.status === 'paid')?.payment.payment_intent
    const charge = emu.all('charge').find((ch: Obj) => ch.payment_intent === intent && ch.status === 'succeeded')
    const left = charge ? charge.amount - (charge.amount_refunded ?? 0) : 0
    if (left < 100) return
    await run.s.stripe.refunds.create({ payment_intent: intent as string, ...(full ? {} : { amount: 100 }) })
  }

  async function tearDown(run: Run): Promise<void> {
    await run.s.close()
    await sql`select pgmq.drop_queue(${run.queue})`
  }

  return {
    async assertEveryStory(check, defaultRuns) {
      await fc.assert(
        fc.asyncProperty(fc.limitShrink(story, 10), async ({ chaosSeed, operations }) => {
          const run = await setUp(chaosSeed)
          try {
            for (const op of operations) await apply(run, op)
            await deliverAndSync(run)
            await check(run)
          } finally {
            await tearDown(run)
          }
        }),
        { numRuns: propertySetting('PROPERTY_RUNS', defaultRuns, 1), seed: propertySetting('PROPERTY_SEED', 20261123, -(2 ** 31)) },
      )
    },
    async close() {
      receiver.closeAllConnections()
      await new Promise((r) => receiver.close(r))
      await dropBucket()
    },
  }
}
