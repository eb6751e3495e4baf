// The bench divides Postgres's CPU by connection (db-stats.ts's cpuReading and cpuBetween): a client
// backend under its application_name (each function's pool names itself), other processes by type, and
// what no live process accounts for as `ended or postmaster`, so the parts add up to the cluster's CPU;
// and counts the times each was put on a CPU (slicesBetween), by the same names.
import postgres from 'postgres'
import { afterAll, describe, expect, test } from 'vitest'
import { cpuBetween, cpuReading, slicesBetween } from '../../dev/bench/db-stats.ts'
import { adminSql, stackProfile, uniq } from '../helpers/stack.ts'

const sql = adminSql()
const name = uniq('cpu-probe')
const probe = postgres(stackProfile.dbUrl, { max: 1, onnotice: () => {}, connection: { application_name: name } })
afterAll(async () => {
  await probe.end({ timeout: 1 })
  await sql.end()
})

describe('Postgres CPU by connection', () => {
  test("a named connection's work is counted under its name, and the parts add up to the whole", async () => {
    await probe`select 1`
    const before = await cpuReading(stackProfile, sql)
    await probe`select count(*) from generate_series(1, 3000000)`
    const after = await cpuReading(stackProfile, sql)
    const ms = cpuBetween(before, after)
    expect(ms[name]).toBeGreaterThan(50)
    expect(slicesBetween(before, after, 1)[name]).toBeGreaterThanOrEqual(1)
    // The parts make the cluster's total, but for rounding (each to 1 ms; those rounded to 0 are not listed).
    const parts = Object.values(ms).reduce((a, b) => a + b, 0)
    expect(Math.abs(parts - (after.total - before.total))).toBeLessThan(2 + Object.keys(ms).length / 2)
  })

  test('per event, largest first; nothing spent, nothing listed', () => {
    const reading = (total: number, entries: [number, string, number][]) => ({ total, byPid: new Map(entries.map(([pid, who, ms]) => [pid, { who, ms, slices: ms / 10 }])) })
    const a = reading(1000, [[1, 'stripe-sync', 100], [2, 'stripe-webhook', 200], [3, 'walwriter', 5]])
    // Backend 4 started in between (counted from zero); 3 spent nothing; 50 ms of an ended backend.
    const b = reading(1450, [[1, 'stripe-sync', 200], [2, 'stripe-webhook', 400], [3, 'walwriter', 5], [4, 'stripe-webhook', 100]])
    expect(cpuBetween(a, b, 100)).toEqual({ 'stripe-webhook': 3, 'stripe-sync': 1, 'ended or postmaster': 0.5 })
    // Times on a CPU (here a tenth of each ms figure), by who: no remainder, live processes only.
    expect(slicesBetween(a, b, 100)).toEqual({ 'stripe-webhook': 0.3, 'stripe-sync': 0.1 })
  })
})
