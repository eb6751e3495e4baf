// What a customer group's messages need fetched from Stripe. Every sync fetches the customer's current
// state (DESIGN rule 1), but only the parts the events are about: the customer with its live
// subscriptions is always fetched (one call), a subscription an event names is fetched even when it has
// ended, an invoice an event names is fetched, and the recent invoices only for events whose workflows
// look invoices up by payment or by subscription. The same rules decide which queued messages a
// finished fetch covers (absorbing, syncer.ts): a message is covered only when its needs were fetched.

/** ops.resync_customer's message: a repair, so everything (every subscription, the recent invoices). */
const RESYNC_MESSAGE = 'ops.resync'

/** What one message needs beyond the customer and its live subscriptions. */
interface Need {
  full?: true
  recentInvoices?: true
  subscription?: string
  invoice?: string
}

export interface Needs {
  full: boolean
  recentInvoices: boolean
  subscriptionIds: string[]
  invoiceIds: string[]
}

/** What a fetch brought (a full one: every subscription and the recent invoices, as ids here too). */
export interface Coverage {
  full: boolean
  recentInvoices: boolean
  subscriptionIds: Set<string>
  invoiceIds: Set<string>
}

const isId = (prefix: string, id: string | null): id is string => !!id && id.startsWith(prefix)

function needOf(type: string, objectId: string | null): Need {
  if (type === RESYNC_MESSAGE) return { full: true }
  if (type.startsWith('invoice.')) return isId('in_', objectId) ? { invoice: objectId } : { recentInvoices: true }
  if (type.startsWith('customer.subscription.')) {
    const subscription = isId('sub_', objectId) ? objectId : undefined
    // The cancellation workflow reads the subscription's paid and open invoices.
    return type === 'customer.subscription.deleted' ? { subscription, recentInvoices: true } : { subscription }
  }
  // customer.* and seat counts need the customer and its live subscriptions only.
  if (type.startsWith('customer.') || type === 'seats.quantity') return {}
  // charge.*, refund.* and any other type: payment metrics and refunds find invoices by payment.
  return { recentInvoices: true }
}

export function needsOf(messages: { type: string; object_id: string | null }[]): Needs {
  const needs: Needs = { full: false, recentInvoices: false, subscriptionIds: [], invoiceIds: [] }
  for (const m of messages) {
    const n = needOf(m.type, m.object_id)
    needs.full ||= !!n.full
    needs.recentInvoices ||= !!n.recentInvoices
    if (n.subscription && !needs.subscriptionIds.includes(n.subscription)) needs.subscriptionIds.push(n.subscription)
    if (n.invoice && !needs.invoiceIds.includes(n.invoice)) needs.invoiceIds.push(n.invoice)
  }
  return needs
}

/** Whether a fetch that brought `c` covers a message of this type and object. */
export function covers(c: Coverage, type: string, objectId: string | null): boolean {
  const n = needOf(type, objectId)
  if ((n.full && !c.full) || (n.recentInvoices && !c.recentInvoices)) return false
  if (n.subscription && !c.subscriptionIds.has(n.subscription)) return false
  return !n.invoice || c.invoiceIds.has(n.invoice)
}
