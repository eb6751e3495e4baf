// Ingest benchmark: signed Stripe events posted to stripe-webhook (through the gateway, as Stripe
// would reach it) at a fixed concurrency, in interleaved pairs with the peer (dev/bench/peer.ts) on the
// same events (ours, peer, ours, peer...), the load average read before each pair: on a shared machine
// the ratio within a pair is the figure to compare, not the absolute rates. Our sync worker drains
// what the pairs queue meanwhile (real customers in the emulator) at the 100 req/s bucket run.ts sets; each
// side starts from a quiet stack (quiet.ts), as in run.ts. Each pair also prints diagnostics: the inbox's and
// the queue's rows, dead rows and vacuums before ours, the functions host's and the cluster's CPU per event,
// the events synced meanwhile, and the autovacuums seen during each side (db-stats.ts). Runs on its own
// profile (BENCH_PROFILE, default `bench`) with a fresh database. Issue 15's target: ratio >= 2, p99 < 20 ms, no non-2xx.
// Then a second phase: events at a steady 200/s (BENCH_RATE) for BENCH_PACED_SECONDS while the sync
// worker is busy (the first phase's backlog, and three stripe-sync runs back to back, as pg_cron, the
// kicks and an operator's drain can overlap): every answer must be 2xx, since a 503 there means the worker starved ingest.
import { readFileSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type postgres from 'postgres'
import Stripe from 'stripe'
import { apiKeys, profile } from '../stack/config.ts'
import { superuser } from '../stack/postgres.ts'
import { LOCAL_WEBHOOK_SECRET } from '../stack/services.ts'
import { down, up } from '../stack/stack.ts'
import { fakeEvent } from '../../tests/helpers/stripe-event-envelope.ts'
import { benchCustomers, spreadEvents } from './events.ts'
import { agent, closedLoop, pct, post } from './http-load.ts'
import { startPeer } from './peer.ts'
import { activitySampler, assertDurable, clusterCpuMs, describeDurability, durability, tableStats } from './db-stats.ts'
import { functionsHostPid, hostCpuMs, threadSchedMs } from './proc-stats.ts'
import { quiet } from './quiet.ts'
import { summarizeSyncLog } from './usage.ts'
import { warmUp } from './warm-up.ts'

const TOTAL = Number(process.env.BENCH_EVENTS ?? 10_000)
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16)
const RATE = Number(process.env.BENCH_RATE ?? 200)
const PACED_SECONDS = Number(process.env.BENCH_PACED_SECONDS ?? 20)
const CUSTOMERS = 1000
const PAIRS = Number(process.env.BENCH_PAIRS ?? 3)
const PAIR_CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 100)
const load = () => os.loadavg().map((l) => Number(l.toFixed(2)))
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]

function body(i: number): string {
  const customer = `cus_bench_${i % CUSTOMERS}`
  const object = { id: `sub_bench_${i % CUSTOMERS}`, object: 'subscription', customer, status: 'active' }
  return JSON.stringify(fakeEvent('customer.subscription.updated', object, `evt_bench_${Date.now().toString(36)}_${i}`))
}

const processedCount = async (sql: postgres.Sql) =>
  (await sql<{ n: number }[]>`select count(*)::int as n from billing.stripe_events where status = 'processed'`)[0].n

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
console.log(`starting the bench stack (profile ${p.name}, API ${p.apiUrl}), load average ${load().join(' ')}`)
await up(p, { fresh: true })
const peer = await startPeer(p).catch(async (err) => {
  await down(p, { cluster: true })
  throw err
})
try {
  const check = superuser(p)
  const database = await durability(check).finally(() => check.end())
  console.log(describeDurability(database))
  assertDurable(database)
  const [port, webhook] = [p.ports.api, '/functions/v1/stripe-webhook']
  const customers = await benchCustomers(p, PAIR_CUSTOMERS)
  await warmUp({ port, path: webhook }, peer, customers, CONCURRENCY, Number(process.env.BENCH_WARM_EVENTS ?? 3 * PAIR_CUSTOMERS))
  const host = functionsHostPid(p)
  const sql = superuser(p)
  const sampler = superuser(p)
  // The bucket run.ts sets for its ingest pairs (Stripe's live limit): the sync drains at its real pace.
  await sql`update billing.stripe_rate_limits set requests_per_second = 100, burst = 100, tokens = 100, paused_until = null where bucket = 'test'`
  const log = path.join(p.logDir, 'functions.log')
  const pairs = []
  for (let i = 1; i <= PAIRS; i++) {
    // Signed before the clock starts: the benchmark measures the servers, not the load generator's HMACs.
    const events = await spreadEvents(`bench${i}_${Date.now().toString(36)}`, TOTAL, customers)
    const loadAverage = load()
    console.log(`pair ${i}/${PAIRS}: ${TOTAL} events at concurrency ${CONCURRENCY}, load average ${loadAverage.join(' ')}`)
    // Each side from a quiet stack, as in run.ts: ours with its sync draining only what its own run
    // queues, the peer's without our sync's tail of the pair before.
    const quietOurs = await quiet(sql, `pair ${i} ours`)
    const tablesBefore = await tableStats(sql)
    const [cpu0, db0, log0, sched0] = [hostCpuMs(host), clusterCpuMs(p), statSync(log).size, threadSchedMs(host)]
    const processed0 = await processedCount(sql)
    const activity = activitySampler(sampler, p)
    const oursAt = new Date().toISOString()
    const ours = await closedLoop(port, webhook, events, CONCURRENCY)
    const duringOurs = await activity.stop()
    // Events the sync finished while ours ran (DB side: an invocation logs its usage only when it ends).
    const syncedDuringOurs = (await processedCount(sql)) - processed0
    // The functions host's CPU while it acknowledged them, its sync worker draining meanwhile included.
    const hostCpuMsPerEvent = Number(((hostCpuMs(host) - cpu0) / TOTAL).toFixed(3))
    const dbCpuMsPerEvent = Number(((clusterCpuMs(p) - db0) / TOTAL).toFixed(3))
    // The host's main thread (the gateway and stripe-webhook): its CPU per event, and how long it sat
    // runnable but waiting for a core (others' share of the machine: where latency goes on a busy box).
    const sched1 = threadSchedMs(host)
    const webhookThread = {
      cpuMsPerEvent: Number(((sched1.cpuMs - sched0.cpuMs) / TOTAL).toFixed(3)),
      runQueueWaitMsPerEvent: Number(((sched1.waitMs - sched0.waitMs) / TOTAL).toFixed(3)),
    }
    // The sync's invocations that ended while ours ran (each logs its CPU and groups).
    const syncDuringOurs = summarizeSyncLog(readFileSync(log).subarray(log0).toString('utf8'))
    const quietPeer = await quiet(sql, `pair ${i} peer`)
    const peerActivity = activitySampler(sampler, p)
    const peerAt = new Date().toISOString()
    const theirs = await closedLoop(peer.port, peer.path, events, CONCURRENCY)
    const duringPeer = await peerActivity.stop()
    const ratio = Number((ours.eventsPerSecond / theirs.eventsPerSecond).toFixed(2))
    console.log(`  ours ${ours.eventsPerSecond}/s p99 ${ours.p99ms} ms (non-2xx ${ours.non2xx}), peer ${theirs.eventsPerSecond}/s p99 ${theirs.p99ms} ms: ratio ${ratio}`)
    console.log(`  ours from ${oursAt}, peer from ${peerAt}; quiet ${quietOurs} s / ${quietPeer} s; host ${hostCpuMsPerEvent} ms/event, db ${dbCpuMsPerEvent} ms/event; webhook thread ${JSON.stringify(webhookThread)}; synced meanwhile ${syncedDuringOurs}, sync log ${JSON.stringify(syncDuringOurs)}`)
    console.log(`  cluster during ours ${JSON.stringify(duringOurs)}, during peer ${JSON.stringify(duringPeer)}`)
    console.log(`  tables before ours: ${tablesBefore.map((t) => `${t.table} live ${t.live} dead ${t.dead} av ${t.autovacuums} aa ${t.autoanalyzes} ${t.mb} MB`).join('; ')}`)
    pairs.push({
      pair: i, loadAverage, ours: { ...ours, hostCpuMsPerEvent, dbCpuMsPerEvent, webhookThread, syncedDuringOurs, syncDuringOurs, clusterDuringOurs: duringOurs }, peer: { ...theirs, clusterDuringPeer: duringPeer }, ratio,
      startedAt: { ours: oursAt, peer: peerAt }, quietSeconds: { ours: quietOurs, peer: quietPeer }, tablesBefore,
    })
  }
  await Promise.all([sql.end(), sampler.end()])
  // BENCH_PACED_SECONDS=0 skips the paced phase (to look at the pairs alone).
  const paced = PACED_SECONDS > 0 ? await pacedWithWorkerBusy(port, webhook, await apiKeys(p)) : { non2xx: 0 }
  const end = superuser(p)
  const [{ backlog }] = await end`select queue_length::int as backlog from pgmq.metrics('stripe_events')`
  await end.end()
  console.log(JSON.stringify({ benchmark: 'ingest', database, concurrency: CONCURRENCY, pairs, pacedWithWorkerBusy: { ...paced, queueBacklogAtEnd: backlog } }, null, 2))
  console.log(`ingest_ratio_vs_peer=${median(pairs.map((x) => x.ratio))}`)
  console.log(`ingest_p99_ms=${median(pairs.map((x) => x.ours.p99ms))}`)
  console.log(`ingest_non2xx=${pairs.reduce((n, x) => n + x.ours.non2xx, 0) + paced.non2xx}`)
  console.log(`ingest_host_cpu_ms_per_event=${median(pairs.map((x) => x.ours.hostCpuMsPerEvent))}`)
} finally {
  agent.destroy()
  await peer.close()
  await down(p, { cluster: true })
}
