// postgres.js pools on the database URL Supabase gives every function, one per function (named by its
// caller) and a small one for the Stripe rate limiter. On hosted Supabase each function runs in its own
// isolate, so it only ever opens its own pool, as in the local functions host (a worker per function);
// when the host ran them all in one isolate, one shared pool let the sync worker's long transactions
// starve webhook ingest (503s).
//
// Reconnecting: when Postgres restarts or an administrator ends backends, every pooled connection is
// dead, and postgres.js finds that out one query at a time (a dead connection answered a webhook
// minutes later with "terminating connection due to administrator command"). So the first connection
// that closes retires every pool: later queries get fresh connections, and `reconnecting` runs an
// idempotent request again when its failure was such a close. Pools are closed on shutdown signals:
// an open pool otherwise keeps a Deno process alive.
import postgres from 'postgres'
import { config, required } from './config.ts'
import { connectionUrl, preparesStatements } from './db-options.ts'
import { isLostConnection, lostConnectionsAnswered } from './lost-connection.ts'

const pools = new Map<string, postgres.Sql>()
let generation = 0
let signalsHooked = false

/** Retires every pool (once per event: only a current pool's close counts). */
function retire(pool: postgres.Sql): void {
  if (![...pools.values()].includes(pool)) return
  generation++
  const old = [...pools.values()]
  pools.clear()
  console.warn(`db: a pooled connection closed; opening fresh pools (generation ${generation})`)
  // Requests still running on the old pools finish (a worker run lasts under a minute), then they close.
  const timer = setTimeout(() => void Promise.all(old.map((p) => p.end({ timeout: 5 }))).catch(() => {}), 60_000)
  ;(globalThis as { Deno?: { unrefTimer(id: number): void } }).Deno?.unrefTimer(timer as unknown as number)
}

/**
 * Retires the pools when `err` says the connection died under a query. A query can fail on the dead socket
 * before postgres.js calls onclose; a caller that then asked for the current pool would get the dead one.
 */
export function retireIfLost(pool: postgres.Sql, err: unknown): void {
  if (isLostConnection(err)) retire(pool)
}

function open(name: string, max: number): postgres.Sql {
  // postgres.js connects on the first query, so `pool` is set before `onclose` can run.
  const url = required('SUPABASE_DB_URL')
  const pool: postgres.Sql = postgres(connectionUrl(url), {
    max,
    // A short connect timeout: when the database is down, callers answer 503 quickly instead of hanging.
    connect_timeout: 5,
    // Each connection says whose pool it is in pg_stat_activity (Studio's and an operator's view of who
    // holds connections, and a bench's Postgres CPU per function); an application_name in the URL wins.
    connection: { application_name: name },
    onnotice: () => {},
    // Named prepared statements, except behind a transaction-mode pooler (db-options.ts).
    prepare: preparesStatements(url),
    // A connection closes on an error, a restart, or at the end of its lifetime: renew the pools then.
    onclose: () => retire(pool),
  })
  pools.set(name, pool)
  if (!signalsHooked) {
    signalsHooked = true
    const deno = (globalThis as { Deno?: { addSignalListener(s: string, f: () => void): void } }).Deno
    for (const sig of ['SIGTERM', 'SIGINT']) deno?.addSignalListener(sig, () => void closeDb())
  }
  return pool
}

/**
 * The pool of one function (created on first use), connected as the database owner: callers apply RLS
 * themselves. Each has DB_POOL_SIZE connections (default 10).
 */
export function db(name = 'default'): postgres.Sql {
  return pools.get(name) ?? open(name, config().DB_POOL_SIZE)
}

/**
 * A separate small pool for the Stripe rate limiter. Sync transactions hold a connection (and the
 * customer's advisory lock) while they call Stripe; if token requests came from the same pool, enough
 * waiting transactions could leave none for them, and every worker would wait forever.
 */
export function limiterDb(): postgres.Sql {
  return pools.get('stripe-rate-limiter') ?? open('stripe-rate-limiter', 2)
}

/** Closes every pool on a shutdown signal: an open pool keeps a Deno process alive. */
async function closeDb(): Promise<void> {
  const all = [...pools.values()]
  pools.clear()
  await Promise.all(all.map((p) => p.end({ timeout: 1 })))
}

/**
 * For functions whose requests may safely run twice (the webhook records idempotently, the worker is
 * driven by its queue): a request that failed with 5xx because a pooled connection had died runs once
 * more, on fresh connections, instead of making Stripe or pg_cron wait for their next retry.
 */
export function reconnecting(handler: (req: Request) => Promise<Response>): (req: Request) => Promise<Response> {
  return async (req) => {
    const before = generation
    const lostBefore = lostConnectionsAnswered()
    const again = req.clone()
    const res = await handler(req)
    if (res.status < 500) return res
    if (generation === before) {
      // The query may have failed on the dead socket before the pool's onclose ran: the answer says so
      // (lost-connection.ts). The pools are still this request's generation, so they are the dead ones.
      if (lostConnectionsAnswered() === lostBefore) return res
      const current = pools.values().next()
      if (!current.done) retire(current.value)
    }
    await res.body?.cancel()
    console.warn(`db: ${new URL(req.url).pathname} failed on a dead connection; running it again on a fresh one`)
    return await handler(again)
  }
}
