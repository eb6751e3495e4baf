// The setup every workflow test file shares: the stack's environment, the product clock held for the
// file's whole run (its tests run due work days ahead), one connection, and a subscribed customer.
import type postgres from 'postgres'
import { afterAll } from 'vitest'
import { customerWithUser, handOver, settle, subscription, useStackEnv } from './billing.ts'
import { holdProductClockForFile } from './product-clock.ts'
import { adminSql } from './stack.ts'

/** Registers the file's hooks; returns its connection (closed after the file). */
export function workflowFile(): postgres.Sql {
  const sql = adminSql()
  holdProductClockForFile(useStackEnv)
  afterAll(() => sql.end())
  return sql
}

/** The organization of a Stripe customer (all columns), if the workflows made one. */
export async function orgOf(sql: postgres.Sql, customerId: string) {
  return (await sql`select * from public.organizations where stripe_customer_id = ${customerId}`)[0]
}

/** A new customer of the test's own, subscribed through the sync's hand-off, once its workflows settled. */
export async function subscribed(sql: postgres.Sql, name = 'Acme Test') {
  const c = await customerWithUser(sql, name)
  const sub = subscription(c)
  await handOver(sql, 'customer.subscription.created', sub)
  await settle(sql)
  return { c, sub, org: await orgOf(sql, c.id) }
}
