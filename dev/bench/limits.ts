// Hosted-limits benchmark, on its own `bench` stack (the real functions host, cron jobs and emulator):
// 1. stripe-sync: BENCH_LIMIT_EVENTS events of BENCH_LIMIT_CUSTOMERS real emulator customers are recorded
//    in the inbox (as the webhook records them, queued by the inbox trigger) and one kick starts the
//    drain; stripe-sync's self-kicks and the cron drain finish it. Every invocation logs what it spent
//    (CPU, wall, peak heap: `stripe-sync usage` lines): reported per invocation (p50, max) and per 1,000
//    events drained, beside the functions host's own CPU count from /proc (the true total).
// 2. stripe-webhook: the same events posted, signed, one at a time (each a duplicate: verified, found
//    recorded, no kick), so the host's CPU over them is the webhook's alone.
// 3. Crash recovery: a worker process holding a batch of the product's queue is killed (SIGKILL);
//    the time until the stack has synced its message, BENCH_LIMIT_KILLS times.
// The host's CPU (/proc) is the whole process's: every function's thread. stripe-sync's own usage lines
// read its worker thread's clock (supabase/functions/_shared/sync/budget.ts), so overlapping invocations
// in that worker count the same CPU more than once: their sums are upper bounds.
import { spawn } from 'node:child_process'
import { readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import Stripe from 'stripe'
import { apiKeys, profile, ROOT } from '../stack/config.ts'
import { superuser } from '../stack/postgres.ts'
import { LOCAL_WEBHOOK_SECRET } from '../stack/services.ts'
import { down, up } from '../stack/stack.ts'
import { stripeFor } from '../stack/stripe.ts'
import { fakeEvent } from '../../tests/helpers/stripe-event-envelope.ts'
import { functionsHostPid, hostCpuMs, hostPeakRssMb } from './proc-stats.ts'
import { quiet } from './quiet.ts'

const EVENTS = Number(process.env.BENCH_LIMIT_EVENTS ?? 2000)
const CUSTOMERS = Number(process.env.BENCH_LIMIT_CUSTOMERS ?? 200)
const KILLS = Number(process.env.BENCH_LIMIT_KILLS ?? 3)

const p = profile(process.env.BENCH_PROFILE ?? 'bench')
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const pct = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? 0

console.log(`starting the bench stack (profile ${p.name}); ${EVENTS} events across ${CUSTOMERS} customers`)
await up(p, { fresh: true })
const sql = superuser(p)
const host = functionsHostPid(p)
const fnLog = path.join(p.logDir, 'functions.log')
const stripe = stripeFor(p)
const keys = await apiKeys(p)

async function postAll(bodies: string[], concurrency: number): Promise<number[]> {
  const statuses: number[] = []
  let next = 0
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < bodies.length) {
      const payload = bodies[next++]
      const signature = await Stripe.webhooks.generateTestHeaderStringAsync({ payload, secret: LOCAL_WEBHOOK_SECRET })
      const res = await fetch(`${p.apiUrl}/functions/v1/stripe-webhook`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': signature }, body: payload })
      await res.arrayBuffer()
      statuses.push(res.status)
    }
  }))
  return statuses
}

try {
  // Real customers with a subscription each, so every sync fetches and writes real state.
  const product = await stripe.products.create({ name: 'Limits bench' })
  const price = await stripe.prices.create({ product: product.id, unit_amount: 1000, currency: 'usd', recurring: { interval: 'month' } })
  const subs: { customer: string; sub: Stripe.Subscription }[] = []
  for (let i = 0; i < CUSTOMERS; i++) {
    const c = await stripe.customers.create({ email: `limits${i}@example.test`, payment_method: 'pm_card_visa', invoice_settings: { default_payment_method: 'pm_card_visa' } })
    subs.push({ customer: c.id, sub: await stripe.subscriptions.create({ customer: c.id, items: [{ price: price.id }] }) })
  }
  await quiet(sql, 'setup')

  // 1. stripe-sync through a backlog.
  const bodies = Array.from({ length: EVENTS }, (_, i) => {
    const s = subs[i % CUSTOMERS]
    return JSON.stringify(fakeEvent('customer.subscription.updated', s.sub, `evt_limits_${Date.now().toString(36)}_${i}`))
  })
  await sql.begin(async (tx) => {
    for (const [i, b] of bodies.entries()) {
      const e = JSON.parse(b)
      await tx`insert into billing.stripe_events (id, type, livemode, created, customer_id, object_id, payload, verified_by)
        values (${e.id}, ${e.type}, false, to_timestamp(${e.created}), ${subs[i % CUSTOMERS].customer}, ${e.data.object.id}, ${tx.json(e)}, 'bench')`
    }
  })
  const logFrom = statSync(fnLog).size
  const cpu0 = hostCpuMs(host)
  const t0 = performance.now()
  const kick = await fetch(`${p.apiUrl}/functions/v1/stripe-sync`, { method: 'POST', headers: { authorization: `Bearer ${keys.serviceRole}`, 'content-type': 'application/json' }, body: '{"trigger":"bench"}' })
  await kick.arrayBuffer()
  await quiet(sql, 'drain')
  const drainSeconds = (performance.now() - t0) / 1000
  const hostCpuDrain = hostCpuMs(host) - cpu0
  const lines = readFileSync(fnLog, 'utf8').slice(logFrom).split('\n').filter((l) => l.startsWith('stripe-sync usage '))
  const runs = lines.map((l) => JSON.parse(l.slice('stripe-sync usage '.length)) as { trigger: string; mode: string; synced: number; stoppedBy: string; clock: string; cpuMs: number; wallMs: number; heapPeakMb: number | null })
  const drains = runs.filter((r) => r.mode === 'drain')
  const cpu = drains.map((r) => r.cpuMs)
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0)

  // 2. stripe-webhook alone: duplicates, one at a time.
  const cpu1 = hostCpuMs(host)
  const again = await postAll(bodies, 1)
  const webhookCpuPerCall = (hostCpuMs(host) - cpu1) / bodies.length

  // 3. Crash recovery.
  const recoveries: number[] = []
  for (let k = 0; k < KILLS; k++) {
    const id = `evt_limits_killed_${Date.now().toString(36)}_${k}`
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'tests/helpers/hung-worker.ts')], { env: { ...process.env, STACK_PROFILE: 'bench' }, stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    await sleep(1500)
    await sql`insert into billing.stripe_events (id, type, livemode, created, customer_id, object_id, payload, verified_by)
      values (${id}, 'balance.available', false, now(), null, null, '{}', 'bench')`
    const until = Date.now() + 30_000
    while (!out.includes(id) && Date.now() < until) await sleep(50)
    child.kill('SIGKILL')
    if (!out.includes(id)) {
      console.log(`kill ${k + 1}: another worker took the event first; not counted`)
      continue
    }
    const killed = performance.now()
    while ((await sql`select status from billing.stripe_events where id = ${id}`)[0].status !== 'processed') await sleep(100)
    recoveries.push(Number(((performance.now() - killed) / 1000).toFixed(1)))
  }

  console.log(JSON.stringify({
    benchmark: 'limits',
    events: EVENTS,
    customers: CUSTOMERS,
    'stripe-sync': {
      clock: drains[0]?.clock,
      invocations: drains.length,
      stoppedBy: Object.fromEntries(['empty', 'cpu', 'budget'].map((s) => [s, drains.filter((r) => r.stoppedBy === s).length])),
      // Each invocation reads its worker thread's CPU over its own span: overlapping invocations in that
      // worker count the same CPU more than once, so these are upper bounds.
      cpuMsPerInvocation: { p50: pct(cpu, 0.5), max: Math.max(...cpu), hostAverage: Math.round(hostCpuDrain / drains.length) },
      wallMsPerInvocation: { p50: pct(drains.map((r) => r.wallMs), 0.5), max: Math.max(...drains.map((r) => r.wallMs)) },
      heapPeakMb: Math.max(...drains.map((r) => r.heapPeakMb ?? 0)),
      cpuMsPer1000Events: { host: Math.round((hostCpuDrain / EVENTS) * 1000), sumOfInvocations: Math.round((sum(cpu) / EVENTS) * 1000) },
      invocationsPer1000Events: Number(((drains.length / EVENTS) * 1000).toFixed(1)),
      drainSeconds: Number(drainSeconds.toFixed(1)),
    },
    'stripe-webhook': { cpuMsPerInvocation: Number(webhookCpuPerCall.toFixed(2)), statuses: [...new Set(again)] },
    functionsHost: { peakRssMb: Math.round(hostPeakRssMb(host)) },
    crashRecoverySeconds: { runs: recoveries, max: Math.max(...recoveries), target: 30 },
  }, null, 2))
} finally {
  await sql.end()
  await down(p, { cluster: true })
}
