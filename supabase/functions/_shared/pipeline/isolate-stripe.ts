// One Stripe client per isolate for stripe-sync, not one per invocation: building a client (the library
// sets up every API resource) cost ~0.6 ms of the worker's CPU per invocation on the lag load (issue 15),
// a fixed cost paid ~80 times per 1,000 events. A client holds no per-invocation state worth a fresh one:
// its requests draw their tokens from the shared bucket in Postgres through the pool it was built with, so
// it is built again only when that pool is replaced (db.ts renews every pool after a dead connection).
import type postgres from 'postgres'
import type Stripe from 'stripe'
import type { StripeContext } from '../stripe/context.ts'

/** A StripeContext built by `make` on the pool `pool()` returns, and built again only when that pool changes. */
export function stripePerPool(pool: () => postgres.Sql, make: (sql: postgres.Sql) => Stripe): () => StripeContext {
  let built: { sql: postgres.Sql; context: StripeContext } | undefined
  return () => {
    const sql = pool()
    if (built?.sql !== sql) built = { sql, context: { stripe: make(sql) } }
    return built.context
  }
}
