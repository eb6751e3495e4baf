// How the functions' pools talk to Postgres, decided from SUPABASE_DB_URL and the configuration.
//
// Prepared statements: with `prepare: false` postgres.js parses and describes every parameterised
// statement again on each call (a round trip and the server's planning, per query); prepared, a
// statement is parsed once per connection and then only bound and executed. A transaction-mode pooler
// (Supavisor's port 6543, PgBouncer in transaction mode, marked `pgbouncer=true` by tools such as
// Prisma) hands each transaction a different server connection, where a statement prepared on another
// one does not exist: only there are they off.
import { config } from './config.ts'

/** Supabase's transaction-mode pooler port (Supavisor; its session mode is 5432). */
const TRANSACTION_POOLER_PORT = '6543'

/** Whether `url` goes through a transaction-mode pooler: port 6543 on any of its hosts, or `pgbouncer=true`. */
export function isTransactionPooler(url: string): boolean {
  // Parsed by hand: postgres.js accepts URLs `new URL` refuses (several hosts, `h1:5432,h2:5433`).
  const authority = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?([^/?#]*)/i.exec(url)?.[1] ?? ''
  const ports = authority.split(',').map((host) => /:(\d+)$/.exec(host)?.[1])
  const query = new URLSearchParams(url.split('?')[1]?.split('#')[0] ?? '')
  return ports.includes(TRANSACTION_POOLER_PORT) || query.get('pgbouncer') === 'true'
}

/** Whether the pools prepare statements: DB_PREPARE when set, else unless `url` is a transaction-mode pooler. */
export function preparesStatements(url: string): boolean {
  return config().DB_PREPARE ?? !isTransactionPooler(url)
}

/**
 * The URL postgres.js connects with: without `pgbouncer`, a hint for clients (and for the rule above)
 * that postgres.js would otherwise send to the server as a setting, which refuses it.
 */
export function connectionUrl(url: string): string {
  const [head, rest] = url.split('?', 2)
  if (rest === undefined) return url
  const [search, hash] = rest.split('#', 2)
  const query = new URLSearchParams(search)
  if (!query.has('pgbouncer')) return url
  query.delete('pgbouncer')
  const kept = query.toString()
  return head + (kept ? `?${kept}` : '') + (hash === undefined ? '' : `#${hash}`)
}
