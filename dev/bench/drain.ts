// Drain benchmark: N events across C customers queued, then drained by the sync worker against the
// Stripe emulator (in this process), limited to 100 req/s by the shared token bucket; once with
// coalescing, once without. Reports time to drain and Stripe calls (from the emulator's request log).
// Each customer is real emulator state (a card and a subscription, so every sync fetches and writes a
// subscription and an invoice); the queued events are inbox rows that point at those customers.
import { pathToFileURL } from 'node:url'
import postgres from 'postgres'
import { profile, type Profile } from '../stack/config.ts'
import { down, up } from '../stack/stack.ts'
import { createGroupSyncer } from '../../supabase/functions/_shared/sync/syncer.ts'
import { runWorker } from '../../supabase/functions/_shared/sync/worker.ts'
import { startStripe } from '../../tests/helpers/stripe-emulator.ts'
import { emulatorClient } from '../stack/stripe.ts'

const EVENTS = Number(process.env.BENCH_EVENTS ?? 10_000)
const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 1_000)
const RATE = 100

/** The drain runs on a running stack's database; returns each run and the Stripe calls' start times (ms). */
export async function drainBench(p: Profile, opts: { events: number; customers: number; uncoalesced: boolean; tag?: string }) {
  const sql = postgres(p.dbUrl, { max: 12, onnotice: () => {} })
  const limiterSql = postgres(p.dbUrl, { max: 2, onnotice: () => {} })
  const s = await startStripe()
  // Setting up is not measured: a patient client, as the shared machine can stall for seconds.
  const setup = emulatorClient(s.running.port, { key: 'sk_test_emulator', timeout: 30_000, maxNetworkRetries: 2 })
  const product = await setup.products.create({ name: 'Bench' })
  const price = await setup.prices.create({ product: product.id, unit_amount: 1000, currency: 'usd', recurring: { interval: 'month' } })

  /** The coalesced drain's Stripe calls, ms after it began (for the report's calls-per-second chart). */
  const callStarts: number[] = []

  /** Subscribed customers, made a few at a time through the API. */
  async function customers(n: number): Promise<string[]> {
    const ids: string[] = new Array(n)
    let next = 0
    await Promise.all(Array.from({ length: 8 }, async () => {
      for (let i = next++; i < n; i = next++) {
        const c = await setup.customers.create({ email: `drain${i}@example.test`, payment_method: 'pm_card_visa', invoice_settings: { default_payment_method: 'pm_card_visa' } })
        await setup.subscriptions.create({ customer: c.id, items: [{ price: price.id }] })
        ids[i] = c.id
      }
    }))
    return ids
  }

  async function run(label: string, coalesce: boolean, events: number, customerCount: number) {
    const queue = `drain_${label}${opts.tag ?? ''}`
    await sql`select pgmq.create(${queue})`
    const ids = await customers(customerCount)
    await sql`update billing.stripe_rate_limits set requests_per_second = ${RATE}, burst = ${RATE}, tokens = ${RATE}, paused_until = null where bucket = 'test'`
    // Inbox rows and queue messages in bulk (the insert trigger would feed the product's own queue).
    await sql.begin(async (tx) => {
      await tx`set local session_replication_role = replica`
      await tx`insert into billing.stripe_events (id, type, livemode, created, customer_id, payload, verified_by)
        select 'evt_' || ${queue} || '_' || g, 'customer.subscription.updated', false, now(), (${ids}::text[])[g % ${customerCount} + 1], '{}', 'bench'
        from generate_series(1, ${events}) g`
      await tx`select pgmq.send_batch(${queue}, array(
        select billing.sync_queue_message('customer.subscription.updated', (${ids}::text[])[g % ${customerCount} + 1], null,
          'evt_' || ${queue} || '_' || g)
        from generate_series(1, ${events}) g))`
    })
    // The emulator's log is bounded: count by time, not by position.
    const since = Date.now()
    const syncer = createGroupSyncer({ sql, queue, coalesce, stripe: { stripe: s.limited(limiterSql, 'test') } })
    const t0 = performance.now()
    for (;;) {
      await runWorker(sql, syncer, { queue, coalesce, batchSize: 500, concurrency: 8, budgetMs: 600_000 })
      const [{ n }] = await sql`select queue_length::int as n from pgmq.metrics(${queue})`
      if (n === 0) break
    }
    const seconds = (performance.now() - t0) / 1000
    const log = (await s.requests()).filter((r) => r.start >= since)
    const calls = log.length
    if (coalesce) callStarts.push(...log.map((r) => r.start - since))
    const floor = calls / RATE
    return { run: label, coalesce, events, customers: customerCount, seconds: Number(seconds.toFixed(1)), stripeCalls: calls, callsPerCustomer: Number((calls / customerCount).toFixed(2)), secondsAtRateLimit: Number(floor.toFixed(1)), ratioToFloor: Number((seconds / floor).toFixed(2)) }
  }

  try {
    const results = [await run('coalesced', true, opts.events, opts.customers)]
    // Without coalescing every event costs three calls: run a tenth of the load so it ends in minutes.
    if (opts.uncoalesced) results.push(await run('uncoalesced', false, Math.round(opts.events / 10), Math.round(opts.customers / 10)))
    return { rateLimit: RATE, results, callStarts }
  } finally {
    await s.close()
    await sql.end()
    await limiterSql.end()
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const p = profile(process.env.BENCH_PROFILE ?? 'bench')
  console.log(`starting the bench stack (profile ${p.name}); ${EVENTS} events across ${CUSTOMERS} customers, Stripe limited to ${RATE} req/s`)
  await up(p, { fresh: true })
  try {
    const { results } = await drainBench(p, { events: EVENTS, customers: CUSTOMERS, uncoalesced: true })
    console.log(JSON.stringify({ benchmark: 'drain', rateLimit: RATE, results }, null, 2))
  } finally {
    await down(p, { cluster: true })
  }
}
