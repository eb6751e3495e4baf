// Runs queries as the caller, the way PostgREST would: role `authenticated` and the caller's JWT
// claims, in one transaction, so the row-level security policies decide what is visible.
import type postgres from 'postgres'
import type { Caller } from './caller.ts'

export async function asUser<T>(sql: postgres.Sql, caller: Caller, fn: (tx: postgres.TransactionSql) => Promise<T>): Promise<T> {
  return (await sql.begin(async (tx) => {
    await tx`select set_config('request.jwt.claims', ${JSON.stringify(caller.claims)}, true),
                    set_config('request.jwt.claim.sub', ${caller.userId}, true)`
    await tx`set local role authenticated`
    return await fn(tx)
  })) as T
}
