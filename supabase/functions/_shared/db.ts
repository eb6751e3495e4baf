// One postgres.js pool per function instance, on the database URL Supabase gives every function.
// The pool is closed on shutdown signals: an open pool otherwise keeps a Deno process alive.
import postgres from 'postgres'
import { env } from './env.ts'

let pool: postgres.Sql | undefined

/** The shared pool (created on first use), connected as the database owner: callers apply RLS themselves. */
export function db(): postgres.Sql {
  if (!pool) {
    // A short connect timeout: when the database is down, callers answer 503 quickly instead of hanging.
    pool = postgres(env('SUPABASE_DB_URL'), {
      max: Number(env('DB_POOL_SIZE', '10')),
      connect_timeout: 5,
      onnotice: () => {},
      prepare: false,
    })
    const deno = (globalThis as { Deno?: { addSignalListener(s: string, f: () => void): void } }).Deno
    for (const sig of ['SIGTERM', 'SIGINT']) deno?.addSignalListener(sig, () => void pool?.end({ timeout: 1 }))
  }
  return pool
}

/** Closes the pool (tests and shutdown). */
export async function closeDb(): Promise<void> {
  await pool?.end({ timeout: 1 })
  pool = undefined
}

let limiterPool: postgres.Sql | undefined

/**
 * A separate small pool for the Stripe rate limiter. Sync transactions hold a connection (and the
 * customer's advisory lock) while they call Stripe; if token requests came from the same pool, enough
 * waiting transactions could leave none for them, and every worker would wait forever.
 */
export function limiterDb(): postgres.Sql {
  limiterPool ??= postgres(env('SUPABASE_DB_URL'), { max: 2, connect_timeout: 5, onnotice: () => {}, prepare: false })
  return limiterPool
}
