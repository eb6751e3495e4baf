// Whole customer lifecycles driven through the Stripe emulator, for property tests: the stories
// (lifecycle-story.ts) are applied through the official client (lifecycle-operations.ts) while a test
// clock moves so renewals, dunning and scheduled plan changes run. Every webhook is held, then delivered
// in the emulator's seeded chaotic order (reordered, duplicated, first attempts dropped) to the product's
// real webhook handler, and the real sync worker drains the queue. fast-check draws the chaos seed too,
// so a failing story replays from its seed and path.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import fc from 'fast-check'
import type postgres from 'postgres'
import type { SyncedEventsHandler } from '../../supabase/functions/_shared/sync/handoff.ts'
import { createGroupSyncer } from '../../supabase/functions/_shared/sync/syncer.ts'
import { runWorker } from '../../supabase/functions/_shared/sync/worker.ts'
import { handleStripeWebhook } from '../../supabase/functions/_shared/webhook/handler.ts'
import { apply } from './lifecycle-operations.ts'
import { CUSTOMERS, propertySetting, type Run, story } from './lifecycle-story.ts'
import { uniq } from './stack.ts'
import { ownBucket, recordInto, startStripe } from './stripe-emulator.ts'

const SECRET = 'whsec_lifecycle_property'

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
    return { s, queue, clock, prices, customers, previews: [], promotions: [], schedules: [] }
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
            for (const op of operations) await apply(run, op, deliverAndSync)
            await deliverAndSync(run)
            await check(run)
          } finally {
            await tearDown(run)
          }
        }),
        { numRuns: propertySetting('PROPERTY_RUNS', defaultRuns, 1), seed: propertySetting('PROPERTY_SEED', 20261207, -(2 ** 31)) },
      )
    },
    async close() {
      receiver.closeAllConnections()
      await new Promise((r) => receiver.close(r))
      await dropBucket()
    },
  }
}
