// Syncs one group: under a transaction advisory lock on the Stripe object (one writer per customer,
// DESIGN rule 2), fetch its current state from Stripe (rule 1; as much as the events need, needs.ts),
// write it through one SQL function that never overwrites newer data with older (rule 4), mark the events
// processed and hand them to the workflows, all in one transaction (a customer's deletes its messages
// too; others' are deleted by the worker after it commits).
import type postgres from 'postgres'
import { jsonbSafe } from '../jsonb.ts'
import type { StripeContext } from '../stripe/context.ts'
import { reserveToken } from '../stripe/client.ts'
import { fetchCustomer } from '../stripe/customers.ts'
import { fetchInvoicesById } from '../stripe/invoices.ts'
import { fetchPrice, fetchProduct } from '../stripe/products.ts'
import { fetchSubscriptionsById } from '../stripe/subscriptions.ts'
import { fetchCustomerState } from './customer-fetch.ts'
import { markProcessed } from './events.ts'
import type { Group } from './groups.ts'
import { loadEvents, type SyncedEventsHandler } from './handoff.ts'
import { type Coverage, type Needs, needsOf } from './needs.ts'
import { applyAndFinish, coveredBy, type FetchedState, withLockAndPeek } from './absorb.ts'
import { Sent } from './transaction.ts'
import { QUEUE } from './queue.ts'
import { applySeatQuantity, seatOrganizations } from './seats.ts'
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

const lockKey = (g: Group) => `stripe:${g.key}`

const MAX_DELETED_OBJECTS = 50

/**
 * What may still change of a customer Stripe has deleted: the subscriptions and invoices its events
 * mention or the mirror holds, less those already final in the mirror. At most MAX_DELETED_OBJECTS of
 * each, newest first: this runs once per deleted customer, not on the hot path.
 */
async function objectsOfDeletedCustomer(tx: postgres.Sql, customerId: string): Promise<{ subscriptions: string[]; invoices: string[] }> {
  const [row] = await tx<{ subscriptions: string[] | null; invoices: string[] | null }[]>`
    with mentioned as (
      select object_type, object_id as id, created from billing.stripe_events where customer_id = ${customerId} and object_type in ('subscription', 'invoice')
      union all
      select 'subscription', coalesce(payload #>> '{data,object,parent,subscription_details,subscription}', payload #>> '{data,object,subscription}'), created
      from billing.stripe_events where customer_id = ${customerId} and object_type = 'invoice'
      union all
      select 'subscription', id, created from public.stripe_subscriptions where customer_id = ${customerId}
      union all
      select 'invoice', id, created from public.stripe_invoices where customer_id = ${customerId}
    ), open as (
      select m.object_type, m.id, max(m.created) as created from mentioned m
      where m.id is not null
        and not (m.object_type = 'subscription' and m.id not like 'sub_%')
        and not exists (select 1 from public.stripe_subscriptions s where m.object_type = 'subscription' and s.id = m.id and s.status in ('canceled', 'incomplete_expired'))
        and not exists (select 1 from public.stripe_invoices i where m.object_type = 'invoice' and i.id = m.id and i.status in ('paid', 'void'))
      group by 1, 2
    )
    select (select array_agg(id order by created desc) from (select * from open where object_type = 'subscription' order by created desc limit ${MAX_DELETED_OBJECTS}) s) as subscriptions,
      (select array_agg(id order by created desc) from (select * from open where object_type = 'invoice' order by created desc limit ${MAX_DELETED_OBJECTS}) i) as invoices`
  return { subscriptions: row.subscriptions ?? [], invoices: row.invoices ?? [] }
}

/**
 * A deleted customer as Stripe last sent it (Stripe now answers with its id alone), marked deleted: its
 * metadata still names its organization when it was deleted before the mirror ever had it.
 */
async function lastSnapshot(tx: postgres.Sql, customerId: string): Promise<Record<string, unknown> | null> {
  const [row] = await tx<{ customer: Record<string, unknown> }[]>`
    select payload #> '{data,object}' as customer from billing.stripe_events
    where customer_id = ${customerId} and object_type = 'customer' and payload #> '{data,object}' is not null
    order by created desc, received_at desc limit 1`
  return row ? { ...row.customer, deleted: true } : null
}

/** Everything a deleted customer's sync fetched covers every message of it (nothing else can change). */
const EVERYTHING: Coverage = { full: true, recentInvoices: true, subscriptionIds: new Set(), invoiceIds: new Set() }

/** Fetches the customer's current state as `needs` asks (a deleted customer's: what may still change). */
async function fetchState(
  tx: postgres.Sql,
  ctx: StripeContext,
  customerId: string,
  needs: Needs,
  live: string[],
): Promise<FetchedState & { coverage: Coverage }> {
  const fetched = await fetchCustomer(ctx, customerId, !needs.full)
  if (!fetched.deleted) return await fetchCustomerState(tx, ctx, fetched.customer, needs, live)
  const gone = await objectsOfDeletedCustomer(tx, customerId)
  return {
    customer: await lastSnapshot(tx, customerId),
    subscriptions: await fetchSubscriptionsById(ctx, gone.subscriptions),
    invoices: await fetchInvoicesById(ctx, gone.invoices),
    coverage: EVERYTHING,
  }
}

/**
 * A customer's group: lock and peek (in the message that begins its transaction), fetch, then write, absorb
 * and finish, and hand the events over; the messages go with the commit.
 */
function syncCustomer(deps: SyncerDeps, g: Group, customerId: string): Promise<void> {
  const queue = deps.queue ?? QUEUE
  const onSynced = deps.onSynced
  // The customer's other queued messages widen the fetch, so that it covers them too (absorb.ts).
  const lock = { key: lockKey(g), queue: deps.coalesce === false ? null : queue, customerId, eventIds: onSynced ? g.eventIds : null }
  return withLockAndPeek(deps.sql, lock, async (tx, peeked) => {
    const needs = needsOf([...g.messages.map((m) => m.body!), ...peeked.queued.map((q) => ({ type: q.type ?? '', object_id: q.object_id }))])
    // Stamped before the first call: the data is at least this fresh.
    const fetchedAt = new Date()
    const state = await fetchState(tx, deps.stripe, customerId, needs, peeked.live)
    const absorbed = coveredBy(state.coverage, peeked.queued)
    const msgIds = [...g.messages.map((m) => m.msgId), ...absorbed.map((r) => r.msg_id)]
    const eventIds = [...new Set([...g.eventIds, ...absorbed.map((r) => r.event_id).filter((id): id is string => !!id)])]
    const applied = applyAndFinish(tx, queue, customerId, fetchedAt, state, { msgIds, eventIds })
    // The hand-off's statement follows the write's without waiting for its answer, and the COMMIT follows
    // both (transaction.ts's Sent): one round trip for the three.
    const finishing = new Set(eventIds)
    const handed = onSynced?.(tx, peeked.events.filter((e) => finishing.has(e.id)))
    return new Sent(Promise.all([applied, handed]).then(() => undefined))
  })
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
    // Seat counts first, outside the customer's transaction (their state is recorded even when it fails);
    // the sync below then reads what Stripe made of them.
    for (const org of seatOrganizations(g)) await applySeatQuantity(deps.sql, deps.stripe, org)
    const target = g.target
    if (target.kind === 'customer') {
      // Its first call (the customer) is certain: its token is taken while the transaction begins and the
      // lock and peek run, not after them.
      reserveToken(deps.stripe.stripe)
      await syncCustomer(deps, g, target.customerId)
      return { messagesDeleted: true }
    }
    await deps.sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(hashtextextended(${lockKey(g)}, 0))`
      if (target.kind !== 'none') await writeCatalog(tx, deps.stripe, g)
      await markProcessed(tx, g.eventIds)
      if (deps.onSynced) await deps.onSynced(tx, await loadEvents(tx, g.eventIds))
    })
  }
}
