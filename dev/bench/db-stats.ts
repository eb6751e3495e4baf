// Diagnostics for the ingest pairs (read, never tuned): the state of the inbox and the queue before each
// side runs (rows, dead rows, vacuums so far, size), and the cluster's own CPU over a run, so a change in
// acks/s from one pair to the next can be told apart from a table that grew or a vacuum that ran.
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import type postgres from 'postgres'
import type { Profile } from '../stack/config.ts'
import { DURABILITY_SETTINGS } from '../stack/postgres.ts'

export interface TableStat {
  table: string
  live: number
  dead: number
  autovacuums: number
  autoanalyzes: number
  mb: number
}

/** The inbox, the queue and its archive as pg_stat_user_tables sees them now. */
export async function tableStats(sql: postgres.Sql): Promise<TableStat[]> {
  return await sql<TableStat[]>`
    select schemaname || '.' || relname as table, n_live_tup::int as live, n_dead_tup::int as dead,
      autovacuum_count::int as autovacuums, autoanalyze_count::int as autoanalyzes,
      round(pg_total_relation_size(relid) / 1048576.0, 1)::float8 as mb
    from pg_stat_user_tables
    where (schemaname, relname) in (('billing', 'stripe_events'), ('pgmq', 'q_stripe_events'), ('pgmq', 'a_stripe_events'))
    order by 1`
}

/**
 * Vacuums (and analyzes) every table of the database with dead rows or changes since its last analyze,
 * as autovacuum would in the next minutes: the lag phase then starts without the drain's 10,000 events'
 * debt, whose autovacuum otherwise ran in its window and was counted as its CPU. Returns what it did.
 */
export async function payVacuumDebt(sql: postgres.Sql): Promise<{ tables: number; seconds: number }> {
  const t0 = performance.now()
  const tables = await sql<{ name: string }[]>`
    select format('%I.%I', schemaname, relname) as name from pg_stat_user_tables
    where n_dead_tup > 0 or n_mod_since_analyze > 0 order by 1`
  for (const t of tables) await sql.unsafe(`vacuum (analyze) ${t.name}`)
  return { tables: tables.length, seconds: Number(((performance.now() - t0) / 1000).toFixed(1)) }
}

/** Autovacuums and autoanalyzes so far, by table: read before and after a phase, what ran inside it. */
export async function autovacuumCounts(sql: postgres.Sql): Promise<Map<string, number>> {
  const rows = await sql<{ name: string; n: number }[]>`
    select schemaname || '.' || relname as name, (autovacuum_count + autoanalyze_count)::int as n from pg_stat_user_tables`
  return new Map(rows.map((r) => [r.name, r.n]))
}

/** The tables autovacuum worked on between two autovacuumCounts readings, with how many times. */
export function autovacuumsBetween(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...after].flatMap(([t, n]) => (n > (before.get(t) ?? 0) ? [[t, n - (before.get(t) ?? 0)]] : [])))
}

/** The cluster's durability settings: each commit flushed to disk before it is answered, as on a hosted database. */
export type Durability = Record<(typeof DURABILITY_SETTINGS)[number], string>

export async function durability(sql: postgres.Sql): Promise<Durability> {
  const rows = await sql<{ name: keyof Durability; setting: string }[]>`
    select name, setting from pg_settings where name = any(${DURABILITY_SETTINGS as unknown as string[]})`
  return Object.fromEntries(rows.map((r) => [r.name, r.setting])) as Durability
}

/** The settings as one line, for a bench's output. */
export const describeDurability = (d: Durability): string => `database: ${DURABILITY_SETTINGS.map((k) => `${k} ${d[k]}`).join(', ')}`

/**
 * A full bench measures what production runs: an acknowledgement waits for its commit's flush to disk
 * (the group commit shares one per group, the peer pays one per request). A cluster without it (a test
 * run's, STACK_DISPOSABLE) would measure neither; a quick run only checks the output's shape.
 */
export function assertDurable(d: Durability): void {
  const off = Object.entries(d).filter(([, v]) => v !== 'on').map(([k, v]) => `${k} = ${v}`)
  if (off.length > 0) throw new Error(`the bench needs a durable database (${off.join(', ')}): unset STACK_DISPOSABLE`)
}

const ticks = (stat: string, fields: number[]) => {
  const f = stat.split(') ')[1].split(' ')
  return fields.reduce((n, i) => n + Number(f[i]), 0)
}

const postmasterPid = (p: Profile) => Number(readFileSync(path.join(p.pgdata, 'postmaster.pid'), 'utf8').split('\n')[0])

/**
 * CPU (ms) of the profile's Postgres cluster so far: the postmaster with its reaped children (autovacuum
 * workers, ended backends) plus every live child.
 */
export function clusterCpuMs(p: Profile): number {
  const postmaster = postmasterPid(p)
  // utime, stime, cutime, cstime are fields 14-17 of /proc/<pid>/stat (11-14 after the command).
  let total = ticks(readFileSync(`/proc/${postmaster}/stat`, 'utf8'), [11, 12, 13, 14])
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      if (Number(stat.split(') ')[1].split(' ')[1]) === postmaster) total += ticks(stat, [11, 12])
    } catch {
      // The process ended meanwhile.
    }
  }
  return (total * 1000) / 100
}

/**
 * Each live child of the postmaster with its CPU so far (ms), by pid: from schedstat (ns; a backend is
 * one thread), not the 10 ms ticks, so that a pool's share of a short run is not lost to rounding.
 */
function childCpuMs(p: Profile): Map<number, { ms: number; slices: number }> {
  const postmaster = postmasterPid(p)
  const out = new Map<number, { ms: number; slices: number }>()
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      if (Number(stat.split(') ')[1].split(' ')[1]) !== postmaster) continue
      const [ns, , slices] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(' ').map(Number)
      out.set(Number(pid), { ms: ns / 1e6, slices })
    } catch {
      // The process ended meanwhile.
    }
  }
  return out
}

/**
 * The cluster's CPU so far (ms): each live process's with who it is, and in all (those, plus the
 * postmaster with its reaped children in ticks: what ended backends spent).
 */
export interface CpuReading {
  total: number
  /** Each live process: who, its CPU (ms) and how many times it was put on a CPU (threadsCpuMs's slices). */
  byPid: Map<number, { who: string; ms: number; slices: number }>
}

/**
 * Reads the cluster's CPU with who spent it: a client backend by its application_name (each function's
 * pool names itself, _shared/db.ts; the bench's own connections are postgres.js'), any other process by
 * its type (autovacuum worker, walwriter...).
 */
export async function cpuReading(p: Profile, sql: postgres.Sql): Promise<CpuReading> {
  const rows = await sql<{ pid: number; who: string }[]>`
    select pid, coalesce(nullif(application_name, ''), backend_type) as who from pg_stat_activity`
  const who = new Map(rows.map((r) => [r.pid, r.who]))
  let total = (ticks(readFileSync(`/proc/${postmasterPid(p)}/stat`, 'utf8'), [11, 12, 13, 14]) * 1000) / 100
  const byPid = new Map<number, { who: string; ms: number; slices: number }>()
  for (const [pid, { ms, slices }] of childCpuMs(p)) {
    byPid.set(pid, { who: who.get(pid) ?? 'unnamed', ms, slices })
    total += ms
  }
  return { total, byPid }
}

/**
 * The cluster's CPU between two readings (ms, or ms per event with `events`) by who spent it, largest
 * first. What no live process accounts for (backends and autovacuum workers that ended in between, the
 * postmaster) is `ended or postmaster`: the parts add up to the cluster's whole.
 */
export function cpuBetween(a: CpuReading, b: CpuReading, events = 1): Record<string, number> {
  const ms = byWho(a, b, 'ms')
  ms['ended or postmaster'] = b.total - a.total - Object.values(ms).reduce((n, v) => n + v, 0)
  return perEvent(ms, events, events === 1 ? 0 : 3)
}

/** What the live processes of reading `b` spent of `what` since reading `a` (0 for one not in `a` yet), summed by who. */
function byWho(a: CpuReading, b: CpuReading, what: 'ms' | 'slices'): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [pid, now] of b.byPid) out[now.who] = (out[now.who] ?? 0) + now[what] - (a.byPid.get(pid)?.[what] ?? 0)
  return out
}

/** Each figure per event, rounded; those not above zero left out; largest first. */
const perEvent = (by: Record<string, number>, events: number, digits: number) =>
  Object.fromEntries(Object.entries(by).map(([k, v]) => [k, Number((v / events).toFixed(digits))] as const).filter(([, v]) => v > 0).sort((x, y) => y[1] - x[1]))

/** The cluster's WAL written so far (bytes): read before and after a phase, its WAL (every database's). */
export async function walBytes(sql: postgres.Sql): Promise<number> {
  const [{ bytes }] = await sql<{ bytes: number }[]>`select pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::float8 as bytes`
  return bytes
}

/** How many times the live processes were put on a CPU between two readings, per event, by who; largest first. */
export function slicesBetween(a: CpuReading, b: CpuReading, events: number): Record<string, number> {
  return perEvent(byWho(a, b, 'slices'), events, 2)
}

export interface ActivityReport {
  /** Tables autovacuum worked on (every database's, the peer's included), in how many 200 ms samples. */
  autovacuum: Record<string, number>
  /** The cluster's CPU over the window (ms) by who spent it (cpuBetween). */
  cpuMs: Record<string, number>
}

/**
 * Samples the cluster's activity every 200 ms until `stop()`: which tables autovacuum worked on while a
 * run went on; and the cluster's CPU over the window by who spent it.
 */
export function activitySampler(sql: postgres.Sql, p: Profile): { stop(): Promise<ActivityReport> } {
  const autovacuum: Record<string, number> = {}
  const before = cpuReading(p, sql)
  let running = true
  const loop = (async () => {
    await before
    while (running) {
      const rows = await sql<{ datname: string | null; query: string }[]>`
        select datname, query from pg_stat_activity where backend_type = 'autovacuum worker' and query <> ''`
      for (const r of rows) {
        const what = `${r.datname}: ${r.query.replace(/^autovacuum: /, '')}`
        autovacuum[what] = (autovacuum[what] ?? 0) + 1
      }
      await new Promise((res) => setTimeout(res, 200))
    }
  })()
  return {
    async stop() {
      running = false
      await loop
      return { autovacuum, cpuMs: cpuBetween(await before, await cpuReading(p, sql)) }
    },
  }
}
