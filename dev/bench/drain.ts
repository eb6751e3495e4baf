// Drain benchmark: N events across C customers queued, then drained by the sync worker against an HTTP
// Stripe limited to 100 req/s by the shared token bucket; once with coalescing, once without. Reports
// time to drain and Stripe calls. Until the emulator (issue 3) exists, Stripe is the test-only
// stand-in from tests/helpers/fake-stripe.ts.
import postgres from 'postgres'
import { profile } from '../stack/config.ts'
import { down, up } from '../stack/stack.ts'
import { createGroupSyncer } from '../../supabase/functions/_shared/sync/syncer.ts'
import { runWorker } from '../../supabase/functions/_shared/sync/worker.ts'
import { startFakeStripe } from '../../tests/helpers/fake-stripe.ts'

const EVENTS = Number(process.env.BENCH_EVENTS ?? 10_000)
const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 1_000)
const RATE = 100

const p = profile('bench')
console.log(`starting the bench stack (profile bench); ${EVENTS} events across ${CUSTOMERS} customers, Stripe limited to ${RATE} req/s`)
await up(p, { fresh: true })
const sql = postgres(p.dbUrl, { max: 12, onnotice: () => {} })
const limiterSql = postgres(p.dbUrl, { max: 2, onnotice: () => {} })
const fake = await startFakeStripe()

async function run(label: string, coalesce: boolean, events: number, customers: number) {
  const queue = `drain_${label}`
  await sql`select pgmq.create(${queue})`
  for (let c = 0; c < customers; c++) {
    const id = `cus_drain_${label}_${c}`
    fake.customers.set(id, { id, object: 'customer', email: `${id}@example.test`, name: id, metadata: {} })
  }
  await sql`update billing.stripe_rate_limits set requests_per_second = ${RATE}, burst = ${RATE}, tokens = ${RATE}, paused_until = null where bucket = 'test'`
  // Inbox rows and queue messages in bulk (the insert trigger would feed the product's own queue).
  await sql.begin(async (tx) => {
    await tx`set local session_replication_role = replica`
    await tx`insert into billing.stripe_events (id, type, livemode, created, customer_id, payload, verified_by)
      select 'evt_drain_' || ${label} || '_' || g, 'customer.subscription.updated', false, now(), 'cus_drain_' || ${label} || '_' || (g % ${customers}), '{}', 'bench'
      from generate_series(1, ${events}) g`
    await tx`select pgmq.send_batch(${queue}, array(
      select jsonb_build_object('event_id', 'evt_drain_' || ${label} || '_' || g, 'type', 'customer.subscription.updated',
        'customer_id', 'cus_drain_' || ${label} || '_' || (g % ${customers}), 'object_id', null)
      from generate_series(1, ${events}) g))`
  })
  const calls0 = fake.log.length
  const syncer = createGroupSyncer({ sql, queue, coalesce, stripe: { stripe: fake.client(), sql: limiterSql, bucket: 'test' } })
  const t0 = performance.now()
  for (;;) {
    await runWorker(sql, syncer, { queue, coalesce, batchSize: 500, concurrency: 8, budgetMs: 600_000 })
    const [{ n }] = await sql`select queue_length::int as n from pgmq.metrics(${queue})`
    if (n === 0) break
  }
  const seconds = (performance.now() - t0) / 1000
  const calls = fake.log.length - calls0
  const floor = calls / RATE
  return { run: label, coalesce, events, customers, seconds: Number(seconds.toFixed(1)), stripeCalls: calls, callsPerCustomer: Number((calls / customers).toFixed(2)), secondsAtRateLimit: Number(floor.toFixed(1)), ratioToFloor: Number((seconds / floor).toFixed(2)) }
}

try {
  const results = [await run('coalesced', true, EVENTS, CUSTOMERS)]
  // Without coalescing every event costs three calls: run a tenth of the load so it ends in minutes.
  results.push(await run('uncoalesced', false, Math.round(EVENTS / 10), Math.round(CUSTOMERS / 10)))
  console.log(JSON.stringify({ benchmark: 'drain', rateLimit: RATE, results }, null, 2))
} finally {
  await fake.close()
  await sql.end()
  await limiterSql.end()
  await down(p, { cluster: true })
}
