// A live customer's current state from Stripe, fetched as the group's events need it (needs.ts): one
// call brings the customer, its live subscriptions and each one's latest invoice; more calls only for
// what that call cannot hold (an eleventh subscription, an ended subscription an event names, an invoice
// that is not a latest one, the recent invoices some workflows search, a product the mirror lacks, the
// coupon of a discount).
import type postgres from 'postgres'
import type Stripe from 'stripe'
import type { StripeContext } from '../stripe/context.ts'
import { fetchInvoicesById, fetchRecentInvoices } from '../stripe/invoices.ts'
import { saveDefaultPaymentMethod } from '../stripe/payment-settings.ts'
import { fillProducts } from '../stripe/products.ts'
import { fillCoupons } from '../stripe/coupons.ts'
import { EXPAND as SUBSCRIPTION_EXPAND, fetchAllSubscriptions, fetchLiveSubscriptionsAfter, fetchSubscriptionsById } from '../stripe/subscriptions.ts'
import type { Coverage, Needs } from './needs.ts'

export interface CustomerState {
  customer: Stripe.Customer
  subscriptions: Stripe.Subscription[]
  invoices: Stripe.Invoice[]
  coverage: Coverage
}

/** Products the mirror has (it never drops one: a deleted product stays, marked), per function instance. */
const mirroredProducts = new Set<string>()

/** Which of these products the mirror has: from the instance's memory, else one query. */
async function knownProducts(tx: postgres.Sql, ids: string[]): Promise<Set<string>> {
  const unknown = ids.filter((id) => !mirroredProducts.has(id))
  if (unknown.length > 0) {
    const rows = await tx<{ id: string }[]>`select id from public.stripe_products where id = any(${unknown}::text[])`
    for (const r of rows) mirroredProducts.add(r.id)
  }
  return mirroredProducts
}

/** Takes each subscription's expanded latest invoice out (the mirror keeps it as an id) into `invoices`. */
function takeLatestInvoices(subs: Stripe.Subscription[], invoices: Map<string, Stripe.Invoice>): void {
  for (const sub of subs) {
    const inv = sub.latest_invoice
    if (inv && typeof inv === 'object') {
      invoices.set(inv.id!, inv)
      sub.latest_invoice = inv.id!
    }
  }
}

const productIdsOf = (
  subs: Stripe.Subscription[],
) => [...new Set(subs.flatMap((s) => s.items.data.map((i) => i.price.product)).filter((p): p is string => typeof p === 'string'))]

/**
 * `mirroredLive`: the subscriptions the mirror has live for this customer (read with the customer's lock,
 * absorb.ts withLockAndPeek); one the fetch does not bring has ended since and is fetched by id.
 */
export async function fetchCustomerState(
  tx: postgres.Sql,
  ctx: StripeContext,
  customer: Stripe.Customer,
  needs: Needs,
  mirroredLive: string[],
): Promise<CustomerState> {
  const embedded = customer.subscriptions
  let subs: Stripe.Subscription[]
  if (needs.full) subs = await fetchAllSubscriptions(ctx, customer.id)
  else {
    subs = [...(embedded?.data ?? [])]
    if (embedded?.has_more && subs.length > 0) subs.push(...await fetchLiveSubscriptionsAfter(ctx, customer.id, subs[subs.length - 1].id))
  }
  const { subscriptions: _embedded, ...bare } = customer
  // Ended since the mirror saw them live, or named by an event: the live list leaves them out.
  const have = new Set(subs.map((s) => s.id))
  const missing = [...new Set([...needs.subscriptionIds, ...mirroredLive])].filter((id) => !have.has(id))
  if (missing.length > 0) subs.push(...await fetchSubscriptionsById(ctx, missing))
  subs = await saveDefaultPaymentMethod(ctx, subs, SUBSCRIPTION_EXPAND)
  const invoices = new Map<string, Stripe.Invoice>()
  takeLatestInvoices(subs, invoices)
  const recent = needs.full || needs.recentInvoices
  if (recent) { for (const inv of await fetchRecentInvoices(ctx, customer.id)) invoices.set(inv.id!, inv) }
  const absent = needs.invoiceIds.filter((id) => !invoices.has(id))
  for (const inv of await fetchInvoicesById(ctx, absent)) invoices.set(inv.id!, inv)
  await fillProducts(ctx, subs, await knownProducts(tx, productIdsOf(subs)))
  await fillCoupons(ctx, [...subs, ...invoices.values()] as { discounts?: unknown[] | null }[])
  return {
    customer: bare as Stripe.Customer,
    subscriptions: subs,
    invoices: [...invoices.values()],
    coverage: { full: needs.full, recentInvoices: recent, subscriptionIds: new Set(subs.map((s) => s.id)), invoiceIds: new Set(invoices.keys()) },
  }
}
