// Whole customer lifecycles driven through the Stripe emulator, for property tests: a few customers
// subscribe (good or failing card, trials), change plan and quantity after a preview (an upgrade billed
// now at the previewed proration, as the app does; a downgrade at once without proration, where the app
// now schedules it for the period's end: schedules are not in these stories), redeem promotion codes, cancel
// at period end and resume, cancel now, swap cards, get refunds and get deleted, while a test clock
// moves so renewals and dunning run. Each operation acts on a customer it can act on (the `who`-th of
// them), and every story opens with a subscription, so that most stories reach every kind of fact. Every
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

/** The coupons a promotion code offers: forever, for two months, and on one invoice. */
const OFFERS: Stripe.CouponCreateParams[] = [
  { percent_off: 25, duration: 'forever' },
  { amount_off: 500, currency: 'usd', duration: 'repeating', duration_in_months: 2 },
  { percent_off: 50, duration: 'once' },
]

const who = fc.integer({ min: 0, max: CUSTOMERS - 1 })
// Mostly a card that pays, so that stories reach receipts, upgrades, discounts and refunds.
const card = fc.constantFrom<keyof typeof CARDS>('visa', 'visa', 'visa', 'fail')
const plan = fc.constantFrom(0, 1)
const quantity = fc.integer({ min: 1, max: 5 })
const subscribe = fc.record({ kind: fc.constant('subscribe' as const), who, card, trial: fc.boolean(), plan, quantity })
const operation = fc.oneof(
  { weight: 3, arbitrary: subscribe },
  // A plan or quantity change, previewed first.
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('change' as const), who, plan, quantity }) },
  // A cancellation at period end, which the customer may withdraw at once (changing their mind).
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('cancelAtPeriodEnd' as const), who, thenResume: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('resume' as const), who }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancelNow' as const), who }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('replaceCard' as const), who, card }) },
  // A promotion code (one of OFFERS) redeemed onto the live subscription.
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('promo' as const), who, offer: fc.integer({ min: 0, max: OFFERS.length - 1 }) }) },
  // A refund made in Stripe of the newest charge with money left: $1 of it, or all that is left.
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('refund' as const), who, full: fc.boolean() }) },
  // Stripe cancels the customer's subscriptions and the customer is gone for the rest of the story.
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deleteCustomer' as const), who }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('advance' as const), days: fc.integer({ min: 1, max: 40 }) }) },
  // Deliver what is held and sync it mid-story, so later syncs must overwrite earlier ones.
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deliver' as const) }) },
)
type Operation = typeof operation extends fc.Arbitrary<infer T> ? T : never
// At most 12 operations (≤ 2 invoices per advance, 1 per upgrade): at most 24 invoices per customer, the
// newest the sync fetches. A story opens with a subscription.
const story = fc.record({
  chaosSeed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  operations: fc.tuple(subscribe, fc.array(operation, { minLength: 4, maxLength: 11 })).map(([first, rest]) => [first, ...rest]),
})

export interface Run {
  s: EmulatedStripe
  queue: string
  clock: Stripe.TestHelpers.TestClock
  prices: Stripe.Price[]
  customers: { id: string; org: string; email: string }[]
  /** Each plan change's preview: what it said would be due now, and the invoice an upgrade made (null: none). */
  previews: { subscription: string; upgrade: boolean; amountDue: number; invoice: string | null }[]
  /** Each promotion code redeemed, on which subscription. */
  promotions: { subscription: string; promotionCode: string }[]
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
    return { s, queue, clock, prices, customers, previews: [], promotions: [] }
  }

  /** Who an operation can act on: the customers Stripe still has, those with a live subscription, ... */
  const CAN: Record<Exclude<Operation['kind'], 'advance' | 'deliver' | 'refund'>, (sub: Obj | undefined) => boolean> = {
    subscribe: (sub) => !sub,
    change: (sub) => !!sub,
    promo: (sub) => !!sub,
    cancelAtPeriodEnd: (sub) => !!sub && !sub.cancel_at_period_end,
    resume: (sub) => !!sub?.cancel_at_period_end,
    cancelNow: (sub) => !!sub,
    replaceCard: () => true,
    deleteCustomer: () => true,
  }

  /**
   * Applies one operation through the official client, to the `who`-th customer it can act on (wrapping
   * around); when none can, it is skipped.
   */
  async function apply(run: Run, op: Operation): Promise<void> {
    const { stripe } = run.s
    if (op.kind === 'advance') {
      run.clock = await stripe.testHelpers.testClocks.advance(run.clock.id, { frozen_time: run.clock.frozen_time + op.days * DAY })
      return
    }
    if (op.kind === 'deliver') return deliverAndSync(run)
    if (op.kind === 'refund') return refund(run, op.who, op.full)
    const present = run.customers.filter((c) => !run.s.running.emu.find(c.id)?.deleted && CAN[op.kind](liveSub(run, c.id)))
    if (present.length === 0) return
    const customer = present[op.who % present.length].id
    const live = liveSub(run, customer)!
    switch (op.kind) {
      case 'subscribe':
        await useCard(run, customer, op.card)
        await stripe.subscriptions.create({ customer, items: [{ price: run.prices[op.plan].id, quantity: op.quantity }], ...(op.trial ? { trial_period_days: 7 } : {}) })
        return
      case 'change':
        return changeWithPreview(run, live, op.plan, op.quantity)
      case 'promo':
        return redeemPromotion(run, live, op.offer)
      case 'cancelAtPeriodEnd':
        await stripe.subscriptions.update(live.id, { cancel_at_period_end: true })
        if (op.thenResume) await stripe.subscriptions.update(live.id, { cancel_at_period_end: false })
        return
      case 'resume':
        await stripe.subscriptions.update(live.id, { cancel_at_period_end: false })
        return
      case 'cancelNow':
        await stripe.subscriptions.cancel(live.id)
        return
      case 'replaceCard':
        return useCard(run, customer, op.card)
      case 'deleteCustomer':
        await stripe.customers.del(customer)
        return
    }
  }

  /**
   * A plan change on an active subscription not set to end: Stripe's preview with a fixed proration_date,
   * then the same change (an upgrade billed now with always_invoice at that date, as the app does; a
   * downgrade at once without proration). Others (trialing, past due, ending) change as in Stripe's
   * portal, with Stripe's default proration. Nothing to change: skipped.
   */
  async function changeWithPreview(run: Run, live: Obj, plan: number, quantity: number): Promise<void> {
    const item = live.items.data[0]
    const to = run.prices[plan]
    if (item.price.id === to.id && item.quantity === quantity) return
    if (live.status !== 'active' || live.cancel_at_period_end) {
      await run.s.stripe.subscriptions.update(live.id, { items: [{ id: item.id, price: to.id, quantity }] })
      return
    }
    const upgrade = to.unit_amount! * quantity > item.price.unit_amount * item.quantity
    const behaviour = upgrade ? 'always_invoice' : 'none'
    const items = [{ id: item.id, price: to.id, quantity }]
    const prorationDate = run.clock.frozen_time
    const preview = await run.s.stripe.invoices.createPreview({
      customer: live.customer, subscription: live.id, subscription_details: { items, proration_behavior: behaviour, proration_date: prorationDate },
    })
    const before = live.latest_invoice
    const after = await run.s.stripe.subscriptions.update(live.id, { items, proration_behavior: behaviour, ...(upgrade ? { proration_date: prorationDate } : {}) })
    const invoice = upgrade && after.latest_invoice !== before ? (after.latest_invoice as string) : null
    run.previews.push({ subscription: live.id, upgrade, amountDue: preview.amount_due, invoice })
  }

  /** A new promotion code for one of OFFERS, redeemed onto the subscription (replacing its discounts). */
  async function redeemPromotion(run: Run, live: Obj, offer: number): Promise<void> {
    const coupon = await run.s.stripe.coupons.create(OFFERS[offer])
    const code = uniq('PROMO').replace(/[^A-Za-z0-9]/g, '').toUpperCase()
    const promo = await run.s.stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: coupon.id }, code })
    await run.s.stripe.subscriptions.update(live.id, { discounts: [{ promotion_code: promo.id }] })
    run.promotions.push({ subscription: live.id, promotionCode: promo.id })
  }

  /** Refunds the newest charge with at least $1 left ($1, or all that is left) of the `who`-th customer that has one. */
  async function refund(run: Run, who: number, full: boolean): Promise<void> {
    const emu = run.s.running.emu
    const left = (ch: Obj) => ch.amount - (ch.amount_refunded ?? 0)
    const newest = (c: string) => emu.all('charge').filter((ch: Obj) => ch.customer === c && ch.status === 'succeeded' && left(ch) >= 100).pop()
    const charges = run.customers.filter((c) => !emu.find(c.id)?.deleted).map((c) => newest(c.id)).filter((ch): ch is Obj => !!ch)
    if (charges.length === 0) return
    await run.s.stripe.refunds.create({ payment_intent: charges[who % charges.length].payment_intent, ...(full ? {} : { amount: 100 }) })
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
