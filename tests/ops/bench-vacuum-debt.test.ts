// npm run bench pays the drain's vacuum debt before the lag phase, so that autovacuum of the drain's dead
// rows does not run in the lag's window and count as its CPU; and it reports which tables autovacuum
// worked on inside that window (db-stats.ts).
import { afterAll, expect, test } from 'vitest'
import { autovacuumsBetween, payVacuumDebt } from '../../dev/bench/db-stats.ts'
import { adminSql, uniq } from '../helpers/stack.ts'

const sql = adminSql()
const table = `public.${uniq('vacuum_debt').replace(/[^a-z0-9_]/gi, '_').toLowerCase()}`
afterAll(async () => {
  await sql.unsafe(`drop table if exists ${table}`)
  await sql.end()
})

test('payVacuumDebt vacuums and analyzes a table with dead rows, then finds no debt left there', async () => {
  await sql.unsafe(`create table ${table} (id int primary key, v text) with (autovacuum_enabled = off)`)
  await sql.unsafe(`insert into ${table} select g, 'x' from generate_series(1, 500) g`)
  await sql.unsafe(`update ${table} set v = 'y'`)
  const stats = async () => {
    // Statistics reach pg_stat_user_tables when the backend reports them; a fresh snapshot reads them.
    await sql`select pg_stat_clear_snapshot()`
    const [r] = await sql<{ dead: number; mod: number; vacuums: number; analyzes: number }[]>`
      select n_dead_tup::int as dead, n_mod_since_analyze::int as mod, vacuum_count::int as vacuums, analyze_count::int as analyzes
      from pg_stat_user_tables where relid = ${table}::regclass`
    return r
  }
  await expect.poll(async () => (await stats()).dead, { timeout: 5_000 }).toBeGreaterThan(0)
  const paid = await payVacuumDebt(sql)
  expect(paid.tables).toBeGreaterThanOrEqual(1)
  await expect.poll(async () => (await stats()).vacuums, { timeout: 5_000 }).toBe(1)
  const after = await stats()
  expect(after).toMatchObject({ dead: 0, mod: 0, analyzes: 1 })
})

test('autovacuumsBetween names the tables whose count moved, by how much', () => {
  const before = new Map([['billing.stripe_events', 3], ['pgmq.q_stripe_events', 1]])
  const after = new Map([['billing.stripe_events', 3], ['pgmq.q_stripe_events', 3], ['billing.email_outbox', 1]])
  expect(autovacuumsBetween(before, after)).toEqual({ 'pgmq.q_stripe_events': 2, 'billing.email_outbox': 1 })
})
