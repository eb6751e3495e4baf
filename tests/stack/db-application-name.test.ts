// The functions' pools name themselves in pg_stat_activity (_shared/db.ts): an operator looking at the
// connections in Studio, or a bench dividing Postgres's CPU by function, sees whose pool a backend is in.
// An application_name in the database URL is the operator's choice and wins.
import { afterAll, describe, expect, test } from 'vitest'
import { db, limiterDb } from '../../supabase/functions/_shared/db.ts'
import { stackProfile, uniq } from '../helpers/stack.ts'

const savedUrl = process.env.SUPABASE_DB_URL
const pools: ReturnType<typeof db>[] = []

afterAll(async () => {
  await Promise.all(pools.map((p) => p.end({ timeout: 1 })))
  savedUrl === undefined ? delete process.env.SUPABASE_DB_URL : (process.env.SUPABASE_DB_URL = savedUrl)
})

/** The application_name pg_stat_activity shows for the backend serving `pool`'s query. */
async function shownName(pool: ReturnType<typeof db>): Promise<string> {
  pools.push(pool)
  const [row] = await pool<{ name: string }[]>`select application_name as name from pg_stat_activity where pid = pg_backend_pid()`
  return row.name
}

describe("a pool's name in pg_stat_activity", () => {
  test("each function's pool carries its name; the rate limiter's pool its own", async () => {
    process.env.SUPABASE_DB_URL = stackProfile.dbUrl
    const name = uniq('fn')
    expect(await shownName(db(name))).toBe(name)
    expect(await shownName(limiterDb())).toBe('stripe-rate-limiter')
  })

  test("the URL's application_name wins", async () => {
    process.env.SUPABASE_DB_URL = `${stackProfile.dbUrl}?application_name=ops-chosen`
    expect(await shownName(db(uniq('fn')))).toBe('ops-chosen')
  })
})
