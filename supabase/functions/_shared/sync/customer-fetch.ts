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

/**
 * What the mirror holds that the fetch must cover: the customer's live subscriptions; and which of the
 * products the fetch names (or the customer's mirrored subscriptions have: ended ones fetched by id) it has.
 */
async function mirrorOf(tx: postgres.TransactionSql, customerId: string, productIds: string[]): Promise<{ live: string[]; products: Set<string> }> {
  const [row] = await tx<{ live: string[]; products: string[] }[]>`
    select coalesce((select array_agg(id) from public.stripe_subscriptions
        where customer_id = ${customerId} and status not in ('canceled', 'incomplete_expired')), '{}') as live,
      coalesce((select array_agg(p.id) from public.stripe_products p where p.id = any(${productIds}::text[])
        or p.id in (select product_id from public.stripe_subscriptions where customer_id = ${customerId})), '{}') as products`
  return { live: row.live, products: new Set(row.products) }
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

export async function fetchCustomerState(tx: postgres.TransactionSql, ctx: StripeContext, customer: Stripe.Customer, needs: Needs): Promise<CustomerState> {
  const embedded = customer.subscriptions
  let subs: Stripe.Subscription[]
  if (needs.full) subs = await fetchAllSubscriptions(ctx, customer.id)
  else {
    subs = [...(embedded?.data ?? [])]
    if (embedded?.has_more && subs.length > 0) subs.push(...await fetchLiveSubscriptionsAfter(ctx, customer.id, subs[subs.length - 1].id))
  }
  const { subscriptions: _embedded, ...bare } = customer
  const mirror = await mirrorOf(tx, customer.id, productIdsOf(subs))
  // Ended since the mirror saw them live, or named by an event: the live list leaves them out.
  const have = new Set(subs.map((s) => s.id))
  const missing = [...new Set([...needs.subscriptionIds, ...mirror.live])].filter((id) => !have.has(id))
  if (missing.length > 0) subs.push(...await fetchSubscriptionsById(ctx, missing))
  subs = await saveDefaultPaymentMethod(ctx, subs, SUBSCRIPTION_EXPAND)
  const invoices = new Map<string, Stripe.Invoice>()
  takeLatestInvoices(subs, invoices)
  const recent = needs.full || needs.recentInvoices
  if (recent) { for (const inv of await fetchRecentInvoices(ctx, customer.id)) invoices.set(inv.id!, inv) }
  const absent = needs.invoiceIds.filter((id) => !invoices.has(id))
  for (const inv of await fetchInvoicesById(ctx, absent)) invoices.set(inv.id!, inv)
  await fillProducts(ctx, subs, mirror.products)
  await fillCoupons(ctx, [...subs, ...invoices.values()])
  return {
    customer: bare as Stripe.Customer,
    subscriptions: subs,
    invoices: [...invoices.values()],
    coverage: { full: needs.full, recentInvoices: recent, subscriptionIds: new Set(subs.map((s) => s.id)), invoiceIds: new Set(invoices.keys()) },
  }
}
