// Hot statements in one round trip whether or not the pools prepare (db-options.ts). postgres.js sends a
// parameterised statement that is not prepared on its connection as Parse and Describe, waits for the
// parameters' types, and only then sends Bind and Execute: two round trips, and the statements queued
// behind it on the connection (a COMMIT sent with the write, transaction.ts) wait for both. Behind a
// transaction-mode pooler (Supabase's recommendation for edge functions) nothing is ever prepared, so the
// webhook's insert and each of the sync's statements paid that second trip on every call. There, the
// values go into the text as literals and the statement as a simple query: one round trip, pipelined with
// those after it. Where the pools prepare, the same text goes with its parameters, as before. The price of
// inlining: a statement that fails is logged by Postgres with its values in its text (parameters are not
// logged by default), so an error there can put a customer's data in the project's Postgres log.
import type postgres from 'postgres'
import { envValue } from './config.ts'
import { preparesStatements } from './db-options.ts'
import { NonRetriableError } from './errors.ts'

export type SqlValue = string | number | boolean | Date | null | readonly (string | number | null)[]

/**
 * `s` as an SQL string literal, as Postgres' quote_literal writes it (right whatever
 * standard_conforming_strings says). Postgres text cannot hold U+0000: refused here, as a parameter would be.
 */
export function sqlLiteral(s: string): string {
  if (s.includes('\u0000')) throw new NonRetriableError('U+0000 in an SQL literal')
  const quoted = s.replaceAll("'", "''")
  return s.includes('\\') ? `E'${quoted.replaceAll('\\', '\\\\')}'` : `'${quoted}'`
}

/** An array in Postgres' array input syntax, every element quoted: the statement's cast gives the type. */
function arrayText(xs: readonly (string | number | null)[]): string {
  return `{${xs.map((x) => x === null ? 'NULL' : `"${String(x).replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`).join(',')}}`
}

/**
 * `v` as an untyped literal (null as NULL): Postgres gives it the type its place in the statement asks
 * for, as it does a parameter postgres.js sends untyped.
 */
export function literal(v: SqlValue): string {
  if (v === null) return 'null'
  if (v instanceof Date) return sqlLiteral(v.toISOString())
  if (Array.isArray(v)) return sqlLiteral(arrayText(v))
  if (typeof v === 'number' && !Number.isFinite(v)) throw new TypeError(`${v} has no SQL literal`)
  return sqlLiteral(String(v))
}

/** `text` with $1, $2... replaced by the literals of `params` (the text has no other `$<digit>`). */
export function inlined(text: string, params: readonly SqlValue[]): string {
  return text.replace(/\$(\d+)/g, (_, n: string) => {
    const i = Number(n) - 1
    if (i < 0 || i >= params.length) throw new RangeError(`$${n} has no parameter (${params.length} given)`)
    return literal(params[i])
  })
}

let mode: { key: string; prepared: boolean } | undefined

/** Whether the pools prepare (db-options.ts), decided again only when one of its two variables changed. */
function poolsPrepare(): boolean {
  const url = envValue('SUPABASE_DB_URL') ?? ''
  const key = `${envValue('DB_PREPARE')}\u0000${url}`
  if (mode?.key !== key) mode = { key, prepared: preparesStatements(url) }
  return mode.prepared
}

/**
 * `text` with `params` in one round trip: prepared (named, kept per connection) where the pools prepare,
 * else with the values inlined. Sent when executed or first awaited, as any postgres.js query.
 */
export function statement<T extends readonly object[]>(
  sql: postgres.Sql | postgres.TransactionSql,
  text: string,
  params: readonly SqlValue[],
): postgres.PendingQuery<T extends readonly (infer R extends object)[] ? R[] : never> {
  // deno-lint-ignore no-explicit-any
  return (poolsPrepare() ? sql.unsafe(text, params as any[], { prepare: true }) : sql.unsafe(inlined(text, params))) as never
}
