// The customer group's transaction (sync/transaction.ts): BEGIN goes with its first statement on a
// reserved connection, so what sql.begin did for us is ours to do: commit, roll back on any failure
// (also of the first statement), refuse a commit that Postgres turned into a rollback, and give the
// connection back to the pool healthy, or leave a lost one to postgres.js.
import postgres from 'postgres'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { transactionBegunWith } from '../../supabase/functions/_shared/sync/transaction.ts'
import { adminSql, stackProfile, uniq } from '../helpers/stack.ts'

const other = adminSql()
// One connection: whatever a transaction leaves behind, the next statement meets it.
const one = postgres(stackProfile.dbUrl, { max: 1, onnotice: () => {} })
const table = uniq('txn').toLowerCase()
beforeAll(async () => {
  await other.unsafe(`create table public.${table} (v text primary key)`)
})
afterAll(async () => {
  await other.unsafe(`drop table if exists public.${table}`)
  await one.end()
  await other.end()
})

const rowsOf = async () => (await other.unsafe<{ v: string }[]>(`select v from public.${table} order by v`)).map((r) => r.v)
/** The pool's connection is idle afterwards, not in a transaction (open or aborted). */
async function idle(): Promise<boolean> {
  const [{ pid }] = await one`select pg_backend_pid() as pid`
  const [{ state }] = await other`select state from pg_stat_activity where pid = ${pid}`
  return state === 'idle'
}

test('commits what the body wrote and hands over the first statement\'s rows', async () => {
  const got = await transactionBegunWith<{ n: number }, number>(one, `select 41 as n`, async (tx, rows) => {
    await tx.unsafe(`insert into public.${table} values ('committed')`)
    return rows[0].n + 1
  })
  expect(got).toBe(42)
  expect(await rowsOf()).toContain('committed')
  expect(await idle()).toBe(true)
})

test('a body that throws rolls back, and the connection is back in the pool outside any transaction', async () => {
  await expect(transactionBegunWith(one, `select 1`, async (tx) => {
    await tx.unsafe(`insert into public.${table} values ('thrown')`)
    throw new Error('boom')
  })).rejects.toThrow('boom')
  expect(await rowsOf()).not.toContain('thrown')
  expect(await idle()).toBe(true)
})

test('a first statement that fails rolls back the transaction it began', async () => {
  await expect(transactionBegunWith(one, `select 1 / 0`, async () => 1)).rejects.toThrow(/division by zero/)
  expect(await idle()).toBe(true)
})

test('a commit that Postgres answers with ROLLBACK (a failed statement the body swallowed) throws', async () => {
  await expect(transactionBegunWith(one, `select 1`, async (tx) => {
    await tx.unsafe(`insert into public.${table} values ('swallowed')`)
    await tx.unsafe(`select 1 / 0`).catch(() => {})
  })).rejects.toThrow(/rolled back/)
  expect(await rowsOf()).not.toContain('swallowed')
  expect(await idle()).toBe(true)
})

test('a connection lost in the transaction fails it, and the pool carries on on a fresh one', async () => {
  await expect(transactionBegunWith(one, `select 1`, async (tx) => {
    await tx.unsafe(`insert into public.${table} values ('lost')`)
    await tx.unsafe(`select pg_terminate_backend(pg_backend_pid())`)
  })).rejects.toThrow()
  expect(await rowsOf()).not.toContain('lost')
  // The first statement on the reconnected connection may still get the lost one's FATAL (postgres.js).
  let answer: unknown
  for (let i = 0; i < 3 && answer === undefined; i++) answer = (await one`select 1 as x`.catch(() => []))[0]?.x
  expect(answer).toBe(1)
})
