// Ingest benchmark: signed Stripe events posted to stripe-webhook (through the gateway, as Stripe
// would reach it) at a fixed concurrency. Reports events/s and latency percentiles. Runs on its own
// `bench` profile with a fresh database. Target on a 2-core machine: >= 1,000 events/s, p99 < 50 ms.
import http from 'node:http'
import Stripe from 'stripe'
import { profile } from '../stack/config.ts'
import { superuser } from '../stack/postgres.ts'
import { LOCAL_WEBHOOK_SECRET } from '../stack/services.ts'
import { down, up } from '../stack/stack.ts'
import { STRIPE_API_VERSION } from '../../supabase/functions/_shared/stripe/client.ts'

const TOTAL = Number(process.env.BENCH_EVENTS ?? 10_000)
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16)
const CUSTOMERS = 1000

function body(i: number): string {
  const customer = `cus_bench_${i % CUSTOMERS}`
  return JSON.stringify({
    id: `evt_bench_${Date.now().toString(36)}_${i}`,
    object: 'event',
    api_version: STRIPE_API_VERSION,
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: 'customer.subscription.updated',
    data: { object: { id: `sub_bench_${i % CUSTOMERS}`, object: 'subscription', customer, status: 'active' } },
  })
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY })

function post(port: number, payload: string, signature: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path, method: 'POST', agent, headers: { 'content-type': 'application/json', 'stripe-signature': signature, 'content-length': Buffer.byteLength(payload) } },
      (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
      },
    )
    req.on('error', reject)
    req.end(payload)
  })
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]

const p = profile(process.env.BENCH_PROFILE ?? 'bench')
console.log(`starting the bench stack (profile bench, API ${p.apiUrl})`)
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
  const latencies: number[] = []
  const statuses = new Map<number, number>()
  let next = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < signed.length) {
        const s = signed[next++]
        const t0 = performance.now()
        const status = await post(port, s.payload, s.signature, path)
        latencies.push(performance.now() - t0)
        statuses.set(status, (statuses.get(status) ?? 0) + 1)
      }
    }),
  )
  const seconds = (performance.now() - started) / 1000
  latencies.sort((a, b) => a - b)
  const sql = superuser(p)
  const [{ n }] = await sql`select count(*)::int as n from billing.stripe_events where id like 'evt_bench_%'`
  await sql.end()
  console.log(
    JSON.stringify(
      {
        benchmark: 'ingest',
        events: signed.length,
        concurrency: CONCURRENCY,
        seconds: Number(seconds.toFixed(2)),
        eventsPerSecond: Math.round(signed.length / seconds),
        p50ms: Number(pct(latencies, 50).toFixed(1)),
        p99ms: Number(pct(latencies, 99).toFixed(1)),
        maxMs: Number(latencies[latencies.length - 1].toFixed(1)),
        statuses: Object.fromEntries(statuses),
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
