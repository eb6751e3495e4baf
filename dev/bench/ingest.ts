// Ingest benchmark: signed Stripe events posted to stripe-webhook (through the gateway, as Stripe
// would reach it) at a fixed concurrency. Reports events/s and latency percentiles. Runs on its own
// `bench` profile with a fresh database. Target on a 2-core machine: >= 1,000 events/s, p99 < 50 ms.
// Then a second phase: events at a steady 200/s (BENCH_RATE) for BENCH_PACED_SECONDS while the sync
// worker is busy (the first phase's backlog, and three stripe-sync runs back to back, as pg_cron, the
// kicks and an operator's drain can overlap): every answer must be 2xx, since a 503 there means the worker starved ingest.
import Stripe from 'stripe'
import { apiKeys, profile } from '../stack/config.ts'
import { superuser } from '../stack/postgres.ts'
import { LOCAL_WEBHOOK_SECRET } from '../stack/services.ts'
import { down, up } from '../stack/stack.ts'
import { fakeEvent } from '../../tests/helpers/stripe-event-envelope.ts'
import { agent, closedLoop, pct, post } from './http-load.ts'

const TOTAL = Number(process.env.BENCH_EVENTS ?? 10_000)
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16)
const RATE = Number(process.env.BENCH_RATE ?? 200)
const PACED_SECONDS = Number(process.env.BENCH_PACED_SECONDS ?? 20)
const CUSTOMERS = 1000

function body(i: number): string {
  const customer = `cus_bench_${i % CUSTOMERS}`
  const object = { id: `sub_bench_${i % CUSTOMERS}`, object: 'subscription', customer, status: 'active' }
  return JSON.stringify(fakeEvent('customer.subscription.updated', object, `evt_bench_${Date.now().toString(36)}_${i}`))
}

/** RATE events/s for PACED_SECONDS, open loop (each sent on time, not after the previous answer), while stripe-sync runs back to back. */
async function pacedWithWorkerBusy(port: number, path: string, keys: { serviceRole: string }) {
  const total = RATE * PACED_SECONDS
  const signed = await Promise.all(Array.from({ length: total }, async (_, i) => {
    const payload = body(TOTAL + 1000 + i)
    return { payload, signature: await Stripe.webhooks.generateTestHeaderStringAsync({ payload, secret: LOCAL_WEBHOOK_SECRET }) }
  }))
  let busy = true
  const workerRuns: number[] = []
  // Three runs at once, as pg_cron's, a kick's and an operator's drain can overlap, each syncing 8
  // customers at a time: together they would hold more connections than one pool of 10 has.
  const worker = Promise.all([1, 2, 3].map(async () => {
    while (busy) {
      const res = await fetch(`http://127.0.0.1:${port}/functions/v1/stripe-sync`, {
        method: 'POST', headers: { authorization: `Bearer ${keys.serviceRole}`, 'content-type': 'application/json' }, body: '{"trigger":"bench","concurrency":8}',
      }).catch(() => null)
      await res?.body?.cancel()
      workerRuns.push(res?.status ?? 0)
    }
  }))
  console.log(`posting ${total} signed events at ${RATE}/s for ${PACED_SECONDS} s while the sync worker runs`)
  const statuses = new Map<number, number>()
  const latencies: number[] = []
  const t0 = performance.now()
  await Promise.all(signed.map(async (s, i) => {
    const wait = t0 + (i * 1000) / RATE - performance.now()
    if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    const t = performance.now()
    const status = await post(port, s.payload, s.signature, path).catch(() => 0)
    latencies.push(performance.now() - t)
    statuses.set(status, (statuses.get(status) ?? 0) + 1)
  }))
  const seconds = (performance.now() - t0) / 1000
  busy = false
  await worker
  latencies.sort((a, b) => a - b)
  const non2xx = [...statuses].filter(([s]) => s < 200 || s >= 300).reduce((n, [, c]) => n + c, 0)
  return {
    events: total, rate: RATE, seconds: Number(seconds.toFixed(2)), non2xx, statuses: Object.fromEntries(statuses),
    p50ms: Number(pct(latencies, 50).toFixed(1)), p99ms: Number(pct(latencies, 99).toFixed(1)), maxMs: Number(latencies[latencies.length - 1].toFixed(1)),
    workerRuns: workerRuns.length, workerStatuses: [...new Set(workerRuns)],
  }
}

const p = profile(process.env.BENCH_PROFILE ?? 'bench')
console.log(`starting the bench stack (profile ${p.name}, API ${p.apiUrl})`)
await up(p, { fresh: true })
try {
  // Sign everything first: the benchmark measures the server, not the load generator's HMACs.
  const signed = await Promise.all(
    Array.from({ length: TOTAL + 200 }, async (_, i) => {
      const payload = body(i)
      return { payload, signature: await Stripe.webhooks.generateTestHeaderStringAsync({ payload, secret: LOCAL_WEBHOOK_SECRET }) }
    }),
  )
  const [port, path] = [p.ports.api, '/functions/v1/stripe-webhook']
  const warm = signed.splice(0, 200)
  for (const w of warm) await post(port, w.payload, w.signature, path)

  console.log(`posting ${signed.length} signed events at concurrency ${CONCURRENCY}`)
  const { seconds, eventsPerSecond, p50ms, p99ms, maxMs, statuses } = await closedLoop(port, path, signed, CONCURRENCY)
  const paced = await pacedWithWorkerBusy(port, path, await apiKeys(p))
  const sql = superuser(p)
  const [{ n }] = await sql`select count(*)::int as n from billing.stripe_events where id like 'evt_bench_%'`
  const [{ backlog }] = await sql`select queue_length::int as backlog from pgmq.metrics('stripe_events')`
  await sql.end()
  console.log(
    JSON.stringify(
      {
        benchmark: 'ingest',
        pacedWithWorkerBusy: { ...paced, queueBacklogAtEnd: backlog },
        events: signed.length,
        concurrency: CONCURRENCY,
        seconds,
        eventsPerSecond,
        p50ms,
        p99ms,
        maxMs,
        statuses,
        rowsInInbox: n,
      },
      null,
      2,
    ),
  )
} finally {
  agent.destroy()
  await down(p, { cluster: true })
}
