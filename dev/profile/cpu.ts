// `npm run profile:cpu`: where the functions host's CPU goes under the lag workload (issue 15), on a
// running stack started with FUNCTIONS_INSPECT=<host:port> (dev/stack/services.ts opens V8's inspector
// there). Creates PROFILE_CUSTOMERS subscribed customers, waits until the stack is quiet (dev/bench/quiet.ts:
// inbox, queue, workflow runs and emails, as every bench phase), then posts PROFILE_SECONDS of 50 events/s in per-customer bursts of
// 5 (dev/bench/lag.ts) and waits until quiet again. Over each window (setup, lag) it reads the host's
// CPU from /proc and, unless PROFILE_SAMPLE=0, takes a V8 CPU profile: written to
// .local/<profile>/cpu-<window>.cpuprofile (open in Chrome DevTools) and summarised as the top self
// times by function and by source (package or file). The inspector sees the gateway's isolate only, not
// the functions' own workers (dev/functions/isolate.ts): start the stack with FUNCTIONS_IN_GATEWAY='*'
// too for a profile of every function; the /proc figure covers the whole process either way.
// Development only.
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { profile } from '../stack/config.ts'
import { superuser } from '../stack/postgres.ts'
import { benchCustomers, burstEvents } from '../bench/events.ts'
import { agent } from '../bench/http-load.ts'
import { lagRun } from '../bench/lag.ts'
import { functionsHostPid, hostCpuMs } from '../bench/proc-stats.ts'
import { quiet } from '../bench/quiet.ts'
import { connectInspector, summarise } from './inspector.ts'

const p = profile()
const CUSTOMERS = Number(process.env.PROFILE_CUSTOMERS ?? 60)
const SECONDS = Number(process.env.PROFILE_SECONDS ?? 20)
const SAMPLE = process.env.PROFILE_SAMPLE !== '0'
const TOP = Number(process.env.PROFILE_TOP ?? 25)
const sql = superuser(p)

async function window(label: string, work: (since: Date) => Promise<number>) {
  const pid = functionsHostPid(p)
  const inspector = SAMPLE ? await connectInspector(process.env.FUNCTIONS_INSPECT ?? '127.0.0.1:9339') : undefined
  await inspector?.start()
  const cpu0 = hostCpuMs(pid)
  const t0 = Date.now()
  const since = new Date(Date.now() - 1000)
  const events = await work(since)
  await quiet(sql, label)
  const cpu = hostCpuMs(pid) - cpu0
  const [{ emails }] = await sql`select count(*)::int as emails from billing.email_outbox where sent_at >= ${new Date(t0)}`
  console.log(`${label}: ${events} events, ${emails} emails, host CPU ${cpu.toFixed(0)} ms = ${(cpu / events).toFixed(2)} ms/event over ${((Date.now() - t0) / 1000).toFixed(1)} s`)
  if (!inspector) return
  const prof = await inspector.stop()
  const file = path.join(p.dir, `cpu-${label}.cpuprofile`)
  writeFileSync(file, JSON.stringify(prof))
  console.log(`${summarise(prof, TOP)}\n(${file})`)
}

try {
  let customers: Awaited<ReturnType<typeof benchCustomers>> = []
  await window('setup', async (since) => {
    customers = await benchCustomers(p, CUSTOMERS)
    await quiet(sql, 'setup')
    const [{ n }] = await sql`select count(*)::int as n from billing.stripe_events where received_at >= ${since}`
    return n
  })
  await window('lag', async () => {
    const run = await lagRun(p, sql, await burstEvents(`prof${Date.now().toString(36)}`, 50 * SECONDS, 5, customers), 50)
    console.log(`lag: p50 ${run.p50ms} ms, p99 ${run.p99ms} ms, ${run.processed}/${run.events} processed, lagRun's own CPU figure ${run.cpuMsPerEvent} ms/event`)
    return run.events
  })
} finally {
  agent.destroy()
  await sql.end()
}
