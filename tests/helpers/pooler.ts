// A pool as the functions open one behind a transaction-mode pooler (Supavisor's port 6543): nothing
// prepared, and the functions' code told so (DB_PREPARE=false, read by _shared/one-trip.ts). Every
// statement it sends is recorded with its parameters: one with parameters would cost a round trip of its
// own for their types first.
import postgres from 'postgres'
import { stackProfile } from './stack.ts'

export interface PooledSql {
  sql: postgres.Sql
  /** Every statement sent, in order, with its parameters. */
  seen: { query: string; params: unknown[] }[]
  /** Closes the pool and puts DB_PREPARE back as it was. */
  end: () => Promise<void>
}

export async function pooledSql(): Promise<PooledSql> {
  const seen: PooledSql['seen'] = []
  const sql = postgres(stackProfile.dbUrl, { max: 1, prepare: false, onnotice: () => {}, debug: (_c, query, params) => void seen.push({ query, params }) })
  const saved = process.env.DB_PREPARE
  process.env.DB_PREPARE = 'false'
  await sql`select 1` // the client's first query on a connection reads the array types first
  return {
    sql,
    seen,
    end: async () => {
      saved === undefined ? delete process.env.DB_PREPARE : (process.env.DB_PREPARE = saved)
      await sql.end()
    },
  }
}
