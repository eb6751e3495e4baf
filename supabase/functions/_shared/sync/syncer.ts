// Syncs one group: under a transaction advisory lock on the Stripe object (one writer per customer,
// DESIGN rule 2), fetch its current state from Stripe (rule 1), write it through one SQL function that
// never overwrites newer data with older (rule 4), mark the events processed and hand them to the
// workflows, all in one transaction. Messages are deleted by the worker after this commits.
import type postgres from 'postgres'
import type { StripeContext } from '../stripe/context.ts'
import { fetchCustomer } from '../stripe/customers.ts'
import { fetchRecentInvoices } from '../stripe/invoices.ts'
import { fetchPrice, fetchProduct } from '../stripe/products.ts'
import { fetchSubscriptions } from '../stripe/subscriptions.ts'
import { markProcessed } from './events.ts'
import type { Group } from './groups.ts'
import { loadEvents, type SyncedEventsHandler } from './handoff.ts'
import type { GroupSyncer } from './worker.ts'

export interface SyncerDeps {
  sql: postgres.Sql
  stripe: StripeContext
  onSynced?: SyncedEventsHandler
}

const lockKey = (g: Group) => `stripe:${g.key}`

async function writeCustomer(tx: postgres.TransactionSql, ctx: StripeContext, customerId: string): Promise<void> {
  // Stamped before the first call: the data is at least this fresh.
  const fetchedAt = new Date()
  const fetched = await fetchCustomer(ctx, customerId)
  const subscriptions = fetched.deleted ? [] : await fetchSubscriptions(ctx, customerId)
  const invoices = fetched.deleted ? [] : await fetchRecentInvoices(ctx, customerId)
  await tx`select billing.service_role_apply_customer_state(
    ${customerId}, ${fetched.deleted ? null : tx.json(fetched.customer as never)},
    ${tx.json(subscriptions as never)}, ${tx.json(invoices as never)}, ${fetchedAt})`
}

async function writeCatalog(tx: postgres.TransactionSql, ctx: StripeContext, g: Group): Promise<void> {
  const fetchedAt = new Date()
  if (g.target.kind === 'product') {
    const product = await fetchProduct(ctx, g.target.productId)
    await tx`select billing.service_role_apply_product(${tx.json(product as never)}, ${fetchedAt})`
  } else if (g.target.kind === 'price') {
    const price = await fetchPrice(ctx, g.target.priceId)
    await tx`select billing.service_role_apply_price(${tx.json(price as never)}, ${fetchedAt})`
  }
}

export function createGroupSyncer(deps: SyncerDeps): GroupSyncer {
  return async (g) => {
    await deps.sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(hashtextextended(${lockKey(g)}, 0))`
      if (g.target.kind === 'customer') await writeCustomer(tx, deps.stripe, g.target.customerId)
      else if (g.target.kind !== 'none') await writeCatalog(tx, deps.stripe, g)
      await markProcessed(tx, g.eventIds)
      if (deps.onSynced) await deps.onSynced(tx, await loadEvents(tx, g.eventIds))
    })
  }
}
