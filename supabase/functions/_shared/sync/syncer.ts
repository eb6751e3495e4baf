// Syncs one group: under a transaction advisory lock on the Stripe object (one writer per customer,
// DESIGN rule 2), fetch its current state from Stripe (rule 1), write it through one SQL function that
// never overwrites newer data with older (rule 4), mark the events processed and hand them to the
// workflows, all in one transaction. Messages are deleted by the worker after this commits.
import type postgres from 'postgres'
import { jsonbSafe } from '../jsonb.ts'
import type { StripeContext } from '../stripe/context.ts'
import { fetchCustomer } from '../stripe/customers.ts'
import { fetchRecentInvoices } from '../stripe/invoices.ts'
import { fetchPrice, fetchProduct } from '../stripe/products.ts'
import { fetchSubscriptions, fetchSubscriptionsById } from '../stripe/subscriptions.ts'
import { markProcessed } from './events.ts'
import type { Group } from './groups.ts'
import { loadEvents, type SyncedEventsHandler } from './handoff.ts'
import { QUEUE } from './queue.ts'
import type { GroupSyncer } from './worker.ts'

export interface SyncerDeps {
  sql: postgres.Sql
  stripe: StripeContext
  onSynced?: SyncedEventsHandler
  /** The queue the worker reads (default stripe_events), for absorbing a customer's other messages. */
  queue?: string
  /** False only to measure what coalescing saves: no absorbing of other queued messages. */
  coalesce?: boolean
}

/**
 * Coalescing across batches: other visible messages of the same customer that were queued before our
 * fetch began are covered by it, so they are finished in the same transaction instead of causing
 * another fetch. Locked rows (another worker has them) are skipped.
 */
async function absorbQueued(tx: postgres.TransactionSql, queue: string, customerId: string, fetchedAt: Date): Promise<string[]> {
  if (!/^[a-z0-9_]+$/.test(queue)) throw new Error(`invalid queue name ${queue}`)
  const rows = await tx.unsafe<{ msg_id: string; event_id: string | null }[]>(
    `select msg_id::text, message ->> 'event_id' as event_id from pgmq.q_${queue}
     where message ->> 'customer_id' = $1 and enqueued_at <= $2 and vt <= now()
     for update skip locked`,
    [customerId, fetchedAt],
  )
  if (rows.length > 0) await tx`select pgmq.delete(${queue}::text, ${rows.map((r) => r.msg_id)}::bigint[])`
  return rows.map((r) => r.event_id).filter((id): id is string => !!id)
}

const lockKey = (g: Group) => `stripe:${g.key}`

/** The subscriptions the mirror still holds as not ended, for a customer Stripe has deleted. */
async function liveSubscriptionIds(tx: postgres.TransactionSql, customerId: string): Promise<string[]> {
  const rows = await tx<{ id: string }[]>`select id from public.stripe_subscriptions
    where customer_id = ${customerId} and status not in ('canceled', 'incomplete_expired') order by id`
  return rows.map((r) => r.id)
}

async function writeCustomer(tx: postgres.TransactionSql, ctx: StripeContext, customerId: string): Promise<Date> {
  // Stamped before the first call: the data is at least this fresh.
  const fetchedAt = new Date()
  const fetched = await fetchCustomer(ctx, customerId)
  const subscriptions = fetched.deleted ? await fetchSubscriptionsById(ctx, await liveSubscriptionIds(tx, customerId)) : await fetchSubscriptions(ctx, customerId)
  const invoices = fetched.deleted ? [] : await fetchRecentInvoices(ctx, customerId)
  await tx`select billing.service_role_apply_customer_state(
    ${customerId}, ${fetched.deleted ? null : tx.json(jsonbSafe(fetched.customer) as never)},
    ${tx.json(jsonbSafe(subscriptions) as never)}, ${tx.json(jsonbSafe(invoices) as never)}, ${fetchedAt})`
  return fetchedAt
}

async function writeCatalog(tx: postgres.TransactionSql, ctx: StripeContext, g: Group): Promise<void> {
  const fetchedAt = new Date()
  if (g.target.kind === 'product') {
    const product = await fetchProduct(ctx, g.target.productId)
    await tx`select billing.service_role_apply_product(${tx.json(jsonbSafe(product) as never)}, ${fetchedAt})`
  } else if (g.target.kind === 'price') {
    const price = await fetchPrice(ctx, g.target.priceId)
    await tx`select billing.service_role_apply_price(${tx.json(jsonbSafe(price) as never)}, ${fetchedAt})`
  }
}

export function createGroupSyncer(deps: SyncerDeps): GroupSyncer {
  return async (g) => {
    await deps.sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(hashtextextended(${lockKey(g)}, 0))`
      let eventIds = g.eventIds
      if (g.target.kind === 'customer') {
        const fetchedAt = await writeCustomer(tx, deps.stripe, g.target.customerId)
        const absorbed = deps.coalesce === false ? [] : await absorbQueued(tx, deps.queue ?? QUEUE, g.target.customerId, fetchedAt)
        eventIds = [...new Set([...eventIds, ...absorbed])]
      } else if (g.target.kind !== 'none') await writeCatalog(tx, deps.stripe, g)
      await markProcessed(tx, eventIds)
      if (deps.onSynced) await deps.onSynced(tx, await loadEvents(tx, eventIds))
    })
  }
}
