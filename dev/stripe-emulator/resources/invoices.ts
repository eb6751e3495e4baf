// Invoices: one-off invoices (create from pending items, finalize, pay, void, mark uncollectible,
// delete drafts), and retrieve / list / lines for every invoice, subscription ones included.
import type { Obj } from '../shape.ts'
import type { Emulator } from '../emulator.ts'
import { StripeApiError, invalid, required } from '../errors.ts'
import { bool, expand, expandPaths, page } from '../list.ts'
import { mergeMetadata, oneOf, route, str, type Route } from './common.ts'
import { buildInvoice, finalize, markUncollectible, paymentMethodFor, voidInvoice, type LineInput } from '../billing/invoices.ts'
import { discardPending, pendingItemsOf } from '../billing/pending-update.ts'
import { charge, cycleLines, LIVE, periodEnd } from '../billing/lifecycle.ts'
import { addInterval, type Interval } from '../billing/periods.ts'
import { invoicePayments } from '../billing/payments.ts'
import { previewChange } from '../billing/change-preview.ts'
import { attach, ownedBy } from './payment-methods.ts'

function create(emu: Emulator, p: Record<string, any>): Obj {
  if (!p.customer) throw required('customer')
  const customer = emu.get('customer', p.customer, 'customer', 'customer')
  const behaviour = oneOf(p.pending_invoice_items_behavior, ['include', 'exclude'] as const, 'pending_invoice_items_behavior') ?? 'exclude'
  const items = behaviour === 'include' ? emu.ofCustomer('invoiceitem', customer.id).filter((i) => i.invoice === null && !i.subscription) : []
  const currency = items[0]?.currency ?? str(p.currency, 'currency') ?? 'usd'
  const lines: LineInput[] = items.map((ii) => ({ amount: ii.amount, description: ii.description, quantity: 1, period: ii.period, price: null, invoiceItem: ii.id }))
  const now = emu.now(customer.test_clock)
  const collection = oneOf(p.collection_method, ['charge_automatically', 'send_invoice'] as const, 'collection_method')
  const invoice = buildInvoice(emu, { customer, currency, lines, billingReason: 'manual', periodStart: now, periodEnd: now, description: str(p.description, 'description') ?? null, autoAdvance: bool(p.auto_advance, 'auto_advance') ?? false, collectionMethod: collection })
  invoice.metadata = mergeMetadata({}, p.metadata)
  for (const ii of items) ii.invoice = invoice.id
  emu.emit('invoice.created', invoice, undefined, customer.test_clock)
  return invoice
}

/**
 * The invoice a subscription's next renewal will make (with prorations waiting on it), or the one a
 * change in `subscription_details` would make (../billing/change-preview.ts), as
 * `POST /v1/invoices/create_preview` answers: never stored, no events, id `upcoming_in_...`.
 */
function preview(emu: Emulator, p: Record<string, any>): Obj {
  const subId = str(p.subscription, 'subscription')
  const given = subId ? emu.get('subscription', subId, 'subscription', 'subscription') : undefined
  const customerId = str(p.customer, 'customer') ?? given?.customer
  if (!customerId) throw required('customer')
  const customer = emu.get('customer', customerId, 'customer', 'customer')
  const sub = given ?? emu.ofCustomer('subscription', customer.id).filter((x) => LIVE.includes(x.status)).at(-1)
  if (!sub || sub.customer !== customer.id || !LIVE.includes(sub.status) || sub.cancel_at_period_end || sub.status === 'paused') {
    throw new StripeApiError(404, 'invalid_request_error', `No upcoming invoices for customer: ${customer.id}`, { code: 'invoice_upcoming_none' })
  }
  const change = previewChange(emu, customer, sub, p)
  if (change) return change
  const start = periodEnd(sub)
  const price = sub.items.data[0].price
  const end = addInterval(start, price.recurring.interval as Interval, price.recurring.interval_count, new Date(sub.billing_cycle_anchor * 1000).getUTCDate())
  const draft = buildInvoice(emu, { customer, currency: sub.currency, lines: cycleLines(emu, sub, start, end), billingReason: 'subscription_cycle', subscription: sub, periodStart: start, periodEnd: end, preview: true })
  emu.remove('invoice', draft.id)
  const id = `upcoming_${draft.id}`
  return { ...draft, id, created: start, lines: { ...draft.lines, url: `/v1/invoices/${id}/lines`, data: draft.lines.data.map((l: Obj) => ({ ...l, invoice: id })) } }
}

function pay(emu: Emulator, id: string, p: Record<string, any>): Obj {
  const invoice = emu.get('invoice', id, 'invoice')
  if (invoice.status === 'draft') finalize(emu, invoice)
  if (invoice.status === 'paid') throw invalid('Invoice is already paid', 'invoice', 'invoice_already_paid')
  if (invoice.status !== 'open') throw invalid(`You cannot pay an invoice with status ${invoice.status}.`, 'invoice', 'invoice_not_open')
  let pmId: string | null = paymentMethodFor(emu, invoice)
  if (p.payment_method) {
    pmId = emu.find(p.payment_method)?.customer === invoice.customer ? ownedBy(emu, p.payment_method, invoice.customer, 'payment_method').id : attach(emu, p.payment_method, invoice.customer).id
  }
  if (bool(p.paid_out_of_band, 'paid_out_of_band')) {
    return markPaidOutOfBand(emu, invoice)
  }
  const result = charge(emu, invoice, pmId, false)
  if (!result.paid) {
    throw new StripeApiError(402, 'card_error', result.message, { code: result.declineCode === 'no_payment_method' ? 'invoice_no_payment_method_types' : 'card_declined', decline_code: result.declineCode })
  }
  return invoice
}

function markPaidOutOfBand(emu: Emulator, invoice: Obj): Obj {
  invoice.amount_paid += invoice.amount_remaining
  invoice.amount_remaining = 0
  invoice.status = 'paid'
  invoice.next_payment_attempt = null
  invoice.status_transitions.paid_at = emu.now(invoice.test_clock)
  emu.emit('invoice.paid', invoice, undefined, invoice.test_clock)
  return invoice
}

export const invoiceRoutes: Route[] = [
  route('POST', '/v1/invoices', (emu, p) => expand(emu, create(emu, p), expandPaths(p))),
  route('POST', '/v1/invoices/create_preview', (emu, p) => expand(emu, preview(emu, p), expandPaths(p))),
  route('GET', '/v1/invoices/:id', (emu, p, [id]) => expand(emu, emu.get('invoice', id, 'invoice'), expandPaths(p))),
  route('GET', '/v1/invoices/:id/lines', (emu, p, [id]) => page(emu, `/v1/invoices/${id}/lines`, [...emu.get('invoice', id, 'invoice').lines.data].reverse(), p)),
  route('POST', '/v1/invoices/:id', (emu, p, [id]) => {
    const invoice = emu.get('invoice', id, 'invoice')
    const before = structuredClone(invoice)
    invoice.metadata = mergeMetadata(invoice.metadata, p.metadata)
    if (p.description !== undefined) {
      if (invoice.status !== 'draft') throw invalid('You can only update the description of draft invoices.', 'description', 'invoice_not_editable')
      invoice.description = p.description || null
    }
    const autoAdvance = bool(p.auto_advance, 'auto_advance')
    if (autoAdvance !== undefined) invoice.auto_advance = autoAdvance
    const prev: Obj = {}
    for (const k of ['metadata', 'description', 'auto_advance']) if (JSON.stringify(before[k]) !== JSON.stringify(invoice[k])) prev[k] = before[k]
    if (Object.keys(prev).length) emu.emit('invoice.updated', invoice, prev, invoice.test_clock)
    return expand(emu, invoice, expandPaths(p))
  }),
  route('POST', '/v1/invoices/:id/finalize', (emu, p, [id]) => {
    const invoice = emu.get('invoice', id, 'invoice')
    finalize(emu, invoice)
    return expand(emu, invoice, expandPaths(p))
  }),
  route('POST', '/v1/invoices/:id/pay', (emu, p, [id]) => expand(emu, pay(emu, id, p), expandPaths(p))),
  route('POST', '/v1/invoices/:id/void', (emu, p, [id]) => {
    const invoice = emu.get('invoice', id, 'invoice')
    voidInvoice(emu, invoice)
    // Voiding the invoice of a pending update discards the update.
    const sub = emu.find(invoice.parent?.subscription_details?.subscription)
    if (sub && sub.latest_invoice === invoice.id && pendingItemsOf(emu, invoice)) discardPending(emu, sub, false)
    return expand(emu, invoice, expandPaths(p))
  }),
  route('POST', '/v1/invoices/:id/mark_uncollectible', (emu, p, [id]) => {
    const invoice = emu.get('invoice', id, 'invoice')
    markUncollectible(emu, invoice)
    return expand(emu, invoice, expandPaths(p))
  }),
  route('POST', '/v1/invoices/:id/send', (emu, p, [id]) => {
    const invoice = emu.get('invoice', id, 'invoice')
    // Sending a draft finalizes it first, as Stripe does.
    if (invoice.status === 'draft') finalize(emu, invoice)
    if (invoice.status !== 'open') throw invalid('You can only send open invoices.', 'invoice', 'invoice_not_open')
    emu.emit('invoice.sent', invoice, undefined, invoice.test_clock)
    return expand(emu, invoice, expandPaths(p))
  }),
  route('DELETE', '/v1/invoices/:id', (emu, _p, [id]) => {
    const invoice = emu.get('invoice', id, 'invoice')
    if (invoice.status !== 'draft') throw invalid('You can only delete draft invoices.', 'id', 'invoice_not_editable')
    for (const ii of emu.all('invoiceitem')) if (ii.invoice === id) ii.invoice = null
    emu.remove('invoice', id)
    emu.emit('invoice.deleted', invoice, undefined, invoice.test_clock)
    return { id, object: 'invoice', deleted: true }
  }),
  route('GET', '/v1/invoice_payments', (emu, p) => {
    const intent = p.payment?.payment_intent
    const all = emu.all('invoice').flatMap((i) => invoicePayments(emu, i.id))
    const items = all.filter((ip) => (!p.invoice || ip.invoice === p.invoice) && (!intent || ip.payment.payment_intent === intent))
    return page(emu, '/v1/invoice_payments', items, p)
  }),
  route('GET', '/v1/payment_intents/:id', (emu, p, [id]) => expand(emu, emu.get('payment_intent', id, 'payment_intent'), expandPaths(p))),
  route('GET', '/v1/charges/:id', (emu, p, [id]) => expand(emu, emu.get('charge', id, 'charge'), expandPaths(p))),
  route('GET', '/v1/charges', (emu, p) => page(emu, '/v1/charges', emu.all('charge').filter((c) => (!p.customer || c.customer === p.customer) && (!p.payment_intent || c.payment_intent === p.payment_intent)), p)),
  route('GET', '/v1/invoices', (emu, p) => {
    const items = (typeof p.customer === 'string' ? emu.ofCustomer('invoice', p.customer) : emu.all('invoice')).filter((i) =>
      (!p.customer || i.customer === p.customer) && (!p.status || i.status === p.status) &&
      (!p.subscription || i.parent?.subscription_details?.subscription === p.subscription) &&
      (!p.collection_method || i.collection_method === p.collection_method))
    return page(emu, '/v1/invoices', items, p)
  }),
]
