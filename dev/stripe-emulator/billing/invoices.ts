// The invoice state machine: draft → open (finalized, numbered, hosted page) → paid, or void /
// uncollectible; payment attempts with the customer's card, and the dunning retry schedule.
import type Stripe from 'stripe'
import { shape, listOf, type Obj } from '../shape.ts'
import type { Emulator } from '../emulator.ts'
import { invalid } from '../errors.ts'
import { behaviourOf, declineCodeOf } from '../resources/payment-methods.ts'
import { DAY } from './periods.ts'
import { cancelIntent, recordAttempt } from './payments.ts'
import { applies, discountInvoice, subscriptionDiscounts } from './discounts.ts'

/** Days after each failed automatic attempt until the next one; after the last, the subscription is cancelled. */
const RETRY_DAYS = [3, 5, 7]
/** Stripe finalizes a renewal invoice about an hour after creating it. */
export const FINALIZE_AFTER_S = 3600

export interface LineInput {
  amount: number
  description: string
  quantity: number
  period: { start: number; end: number }
  price: Obj | null
  subscription?: string | null
  subscriptionItem?: string | null
  invoiceItem?: string | null
  proration?: boolean
}

export function buildInvoice(emu: Emulator, o: {
  customer: Obj; currency: string; lines: LineInput[]; billingReason: Stripe.Invoice.BillingReason; subscription?: Obj | null
  periodStart: number; periodEnd: number; description?: string | null; autoAdvance?: boolean; collectionMethod?: 'charge_automatically' | 'send_invoice'
  /** A preview (create_preview): shows the subscription's discounts without using them up. */
  preview?: boolean
}): Obj {
  const clock = o.customer.test_clock ?? null
  const now = emu.now(clock)
  const id = emu.newId('in')
  const lines = o.lines.map((l) => ({
    id: emu.newId('il'),
    object: 'line_item',
    amount: l.amount,
    currency: o.currency,
    description: l.description,
    discount_amounts: [],
    discountable: true,
    discounts: [],
    invoice: id,
    livemode: false,
    metadata: {},
    period: l.period,
    quantity: l.quantity,
    quantity_decimal: String(l.quantity),
    subtotal: l.amount,
    taxes: [],
    pretax_credit_amounts: [],
    parent: l.subscriptionItem
      ? { type: 'subscription_item_details', invoice_item_details: null, subscription_item_details: { invoice_item: l.invoiceItem ?? null, proration: !!l.proration, proration_details: { credited_items: null }, subscription: l.subscription ?? null, subscription_item: l.subscriptionItem } }
      : { type: 'invoice_item_details', subscription_item_details: null, invoice_item_details: { invoice_item: l.invoiceItem ?? null, proration: !!l.proration, proration_details: { credited_items: null }, subscription: l.subscription ?? null } },
    pricing: l.price ? { type: 'price_details', price_details: { price: l.price.id, product: l.price.product }, unit_amount_decimal: l.price.unit_amount_decimal } : null,
  }))
  const total = lines.reduce((s, l) => s + l.amount, 0)
  const sub = o.subscription ?? null
  const invoice = shape('invoice', {
    id,
    object: 'invoice',
    account_country: 'US',
    account_name: 'Stripe emulator (development only)',
    amount_due: Math.max(0, total),
    amount_paid: 0,
    amount_remaining: Math.max(0, total),
    amount_overpaid: 0,
    amount_shipping: 0,
    attempt_count: 0,
    attempted: false,
    auto_advance: o.autoAdvance ?? true,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
    automatically_finalizes_at: null,
    billing_reason: o.billingReason,
    collection_method: o.collectionMethod ?? 'charge_automatically',
    created: now,
    currency: o.currency,
    customer: o.customer.id,
    customer_email: o.customer.email,
    customer_name: o.customer.name,
    customer_phone: o.customer.phone,
    customer_tax_exempt: 'none',
    customer_tax_ids: [],
    default_tax_rates: [],
    description: o.description ?? null,
    discounts: [],
    ending_balance: null,
    issuer: { type: 'self' },
    lines: listOf(`/v1/invoices/${id}/lines`, lines, false) as Stripe.ApiList<Stripe.InvoiceLineItem>,
    metadata: {},
    next_payment_attempt: null,
    number: null,
    parent: sub ? { type: 'subscription_details', quote_details: null, subscription_details: { metadata: { ...sub.metadata }, subscription: sub.id } } : null,
    period_start: o.periodStart,
    period_end: o.periodEnd,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    starting_balance: 0,
    status: 'draft',
    status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null },
    subtotal: total,
    subtotal_excluding_tax: total,
    test_clock: clock,
    total,
    total_discount_amounts: [],
    total_excluding_tax: total,
    total_pretax_credit_amounts: [],
    total_taxes: [],
    webhooks_delivered_at: null,
  } satisfies Partial<Stripe.Invoice>)
  if (sub?.discounts?.length && total > 0) {
    const ds = o.preview ? (sub.discounts as string[]).map((d) => emu.find(d)!).filter((d) => d && applies(emu, d, now)) : subscriptionDiscounts(emu, sub, now)
    if (ds.length) discountInvoice(emu, invoice, ds, !o.preview)
  }
  emu.put('invoice', invoice)
  return invoice
}

export function finalize(emu: Emulator, invoice: Obj): void {
  if (invoice.status !== 'draft') throw invalid(`This invoice is already finalized, you can't re-finalize a non-draft invoice.`, 'invoice', 'invoice_not_editable')
  const customer = emu.get('customer', invoice.customer, 'customer')
  const now = emu.now(invoice.test_clock)
  const seq = customer.next_invoice_sequence ?? 1
  customer.next_invoice_sequence = seq + 1
  invoice.number = `${customer.invoice_prefix}-${String(seq).padStart(4, '0')}`
  invoice.status = 'open'
  invoice.status_transitions.finalized_at = now
  invoice.effective_at = now
  invoice.automatically_finalizes_at = null
  invoice.hosted_invoice_url = `${emu.options.publicUrl}/invoice/${invoice.id}`
  invoice.invoice_pdf = `${emu.options.publicUrl}/invoice/${invoice.id}/pdf`
  if (invoice.collection_method === 'send_invoice') invoice.due_date = now + 30 * DAY
  emu.emit('invoice.finalized', invoice, undefined, invoice.test_clock)
}

/** The card an automatic attempt uses: the subscription's default, then the customer's. */
export function paymentMethodFor(emu: Emulator, invoice: Obj): string | null {
  const subId = invoice.parent?.subscription_details?.subscription
  const sub = subId ? emu.find(subId) : undefined
  const customer = emu.find(invoice.customer)
  return sub?.default_payment_method ?? customer?.invoice_settings?.default_payment_method ?? null
}

/** Whether charging `pmId` would succeed, without charging. */
export function wouldPay(emu: Emulator, amount: number, pmId: string | null): boolean {
  if (amount === 0) return true
  return pmId !== null && behaviourOf(emu, pmId) === 'succeeds'
}

/** `paymentMethod`: the card that was charged (null when nothing was due). */
export type PaymentResult = { paid: true; paymentMethod: string | null } | { paid: false; declineCode: string; message: string }

/**
 * One payment attempt. `automatic` attempts (renewals, retries) schedule the next retry when they
 * fail; a person paying on the hosted page does not change the schedule.
 */
export function attemptPayment(emu: Emulator, invoice: Obj, pmId: string | null, automatic: boolean): PaymentResult {
  if (invoice.status !== 'open') throw invalid(`Invoice is already ${invoice.status}.`, 'invoice', 'invoice_not_open')
  const clock = invoice.test_clock
  const now = emu.now(clock)
  if (wouldPay(emu, invoice.amount_remaining, pmId)) {
    const charged = invoice.amount_remaining > 0 && pmId ? pmId : null
    if (invoice.amount_remaining > 0 && pmId) recordAttempt(emu, invoice, pmId, invoice.amount_remaining, { ok: true })
    invoice.attempted = invoice.amount_remaining > 0 || invoice.attempted
    if (invoice.amount_remaining > 0) invoice.attempt_count += 1
    invoice.amount_paid += invoice.amount_remaining
    invoice.amount_remaining = 0
    invoice.status = 'paid'
    invoice.next_payment_attempt = null
    invoice.status_transitions.paid_at = now
    if (pmId) invoice.default_payment_method = null
    emu.emit('invoice.paid', invoice, undefined, clock)
    emu.emit('invoice.payment_succeeded', invoice, undefined, clock)
    return { paid: true, paymentMethod: charged }
  }
  const declineCode = pmId ? declineCodeOf(emu, pmId) : 'no_payment_method'
  const message = pmId ? 'Your card was declined.' : 'The customer has no attached payment source or default payment method.'
  if (pmId) recordAttempt(emu, invoice, pmId, invoice.amount_remaining, { ok: false, declineCode, message })
  invoice.attempted = true
  invoice.attempt_count += 1
  const isSubscription = !!invoice.parent?.subscription_details && invoice.billing_reason !== 'subscription_create'
  if (automatic && isSubscription) {
    const days = RETRY_DAYS[invoice.attempt_count - 1]
    invoice.next_payment_attempt = days === undefined ? null : now + days * DAY
  }
  invoice.last_finalization_error = null
  emu.emit('invoice.payment_failed', invoice, undefined, clock)
  return { paid: false, declineCode, message }
}

export function voidInvoice(emu: Emulator, invoice: Obj): void {
  if (invoice.status !== 'open' && invoice.status !== 'uncollectible') throw invalid(`You can only void open or uncollectible invoices.`, 'invoice', 'invoice_not_editable')
  invoice.status = 'void'
  invoice.next_payment_attempt = null
  invoice.amount_remaining = 0
  invoice.status_transitions.voided_at = emu.now(invoice.test_clock)
  cancelIntent(emu, invoice)
  emu.emit('invoice.voided', invoice, undefined, invoice.test_clock)
}

export function markUncollectible(emu: Emulator, invoice: Obj): void {
  if (invoice.status !== 'open') throw invalid('You can only mark open invoices as uncollectible.', 'invoice', 'invoice_not_editable')
  invoice.status = 'uncollectible'
  invoice.next_payment_attempt = null
  invoice.status_transitions.marked_uncollectible_at = emu.now(invoice.test_clock)
  emu.emit('invoice.marked_uncollectible', invoice, undefined, invoice.test_clock)
}
