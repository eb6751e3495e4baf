// The money movement behind an invoice: ONE PaymentIntent per invoice, reused by every attempt
// (first charge, automatic retries, a person paying on the hosted page or through `invoices.pay`),
// each attempt a new Charge on it; and the invoice's one InvoicePayment for that intent (the
// `payments` Stripe includes on request). Stripe docs, "Automate payment retries": retries collect the
// same invoice; API reference "The InvoicePayment object": one payment record per PaymentIntent.
import type Stripe from 'stripe'
import { shape, type Obj } from '../shape.ts'
import type { Emulator } from '../emulator.ts'

export interface ChargeOutcome { ok: boolean; declineCode?: string; message?: string }

function newCharge(emu: Emulator, invoice: Obj, piId: string, pmId: string, amount: number, now: number, outcome: ChargeOutcome): Obj {
  const pm = emu.find(pmId)
  const failure = outcome.ok ? null : { code: 'card_declined', decline_code: outcome.declineCode ?? 'generic_decline', message: outcome.message ?? 'Your card was declined.', type: 'card_error' }
  const charge = shape('charge', {
    id: emu.newId('ch'), object: 'charge', amount, amount_captured: outcome.ok ? amount : 0, amount_refunded: 0, captured: outcome.ok, created: now,
    currency: invoice.currency, customer: invoice.customer, description: invoice.description ?? null, disputed: false, metadata: {},
    paid: outcome.ok, payment_intent: piId, payment_method: pmId, refunded: false, status: outcome.ok ? 'succeeded' : 'failed',
    failure_code: failure?.code ?? null, failure_message: failure?.message ?? null, receipt_email: invoice.customer_email ?? null,
    receipt_url: outcome.ok && invoice.id ? `${emu.options.publicUrl}/invoice/${invoice.id}` : null, calculated_statement_descriptor: 'EMULATOR',
    billing_details: { address: null, email: null, name: null, phone: null, tax_id: null },
    outcome: { advice_code: null, network_advice_code: null, network_decline_code: null, network_status: outcome.ok ? 'approved_by_network' : 'declined_by_network', reason: outcome.ok ? null : failure!.decline_code, risk_level: 'normal', seller_message: outcome.ok ? 'Payment complete.' : 'The bank did not return any further details with this decline.', type: outcome.ok ? 'authorized' : 'issuer_declined' },
  } satisfies Partial<Stripe.Charge>)
  charge.payment_method_details = { type: 'card', card: pm?.card ? { brand: pm.card.brand, last4: pm.card.last4, exp_month: pm.card.exp_month, exp_year: pm.card.exp_year, funding: pm.card.funding, country: pm.card.country } : null }
  emu.metaOf(charge.id).last_payment_error = failure
  return emu.put('charge', charge)
}

/** The invoice's PaymentIntent, created (with its InvoicePayment) on the first attempt. */
function intentOf(emu: Emulator, invoice: Obj, amount: number, now: number): Obj {
  const meta = emu.metaOf(invoice.id)
  const existing = emu.find(meta.payment_intent)
  if (existing) return existing
  const piId = emu.newId('pi')
  const intent = shape('payment_intent', {
    id: piId, object: 'payment_intent', amount, amount_capturable: 0, amount_received: 0, capture_method: 'automatic',
    client_secret: `${piId}_secret_${emu.newId('s', 16).slice(2)}`, confirmation_method: 'automatic', created: now, currency: invoice.currency,
    customer: invoice.customer, description: invoice.billing_reason === 'subscription_create' ? 'Subscription creation' : invoice.billing_reason === 'manual' ? null : 'Subscription update',
    latest_charge: null, metadata: {}, payment_method: null, payment_method_types: ['card'], status: 'requires_payment_method', last_payment_error: null,
  } satisfies Partial<Stripe.PaymentIntent>)
  emu.put('payment_intent', intent)
  meta.payment_intent = piId
  meta.payments = [{
    id: emu.newId('inpay'), object: 'invoice_payment', amount_paid: null, amount_requested: amount, created: now,
    currency: invoice.currency, invoice: invoice.id, is_default: true, livemode: false,
    payment: { type: 'payment_intent', payment_intent: piId }, status: 'open',
    status_transitions: { canceled_at: null, paid_at: null },
  }]
  emu.emit('payment_intent.created', intent, undefined, invoice.test_clock ?? null)
  return intent
}

/** Records one card attempt on `invoice` with its PaymentIntent (emitting charge and intent events); returns the intent. */
export function recordAttempt(emu: Emulator, invoice: Obj, pmId: string, amount: number, outcome: ChargeOutcome): Obj {
  const clock = invoice.test_clock ?? null
  const now = emu.now(clock)
  const intent = intentOf(emu, invoice, amount, now)
  const charge = newCharge(emu, invoice, intent.id, pmId, amount, now, outcome)
  intent.latest_charge = charge.id
  intent.payment_method = outcome.ok ? pmId : null
  intent.status = outcome.ok ? 'succeeded' : 'requires_payment_method'
  intent.amount_received = outcome.ok ? amount : 0
  intent.last_payment_error = outcome.ok ? null : { ...emu.metaOf(charge.id).last_payment_error, charge: charge.id, payment_method: structuredClone(emu.find(pmId) ?? null) }
  if (outcome.ok) {
    const payment = invoicePayments(emu, invoice.id)[0]
    payment.status = 'paid'
    payment.amount_paid = amount
    payment.status_transitions.paid_at = now
    emu.emit('charge.succeeded', charge, undefined, clock)
    emu.emit('payment_intent.succeeded', intent, undefined, clock)
  } else {
    emu.emit('charge.failed', charge, undefined, clock)
    emu.emit('payment_intent.payment_failed', intent, undefined, clock)
  }
  return intent
}

/**
 * A one-time card payment outside invoices (a Checkout Session in payment mode): its own PaymentIntent
 * and Charge, succeeded, with payment_intent.created, charge.succeeded and payment_intent.succeeded.
 */
export function payOnce(emu: Emulator, o: { customer: Obj; currency: string; amount: number; pmId: string }): Obj {
  const clock = o.customer.test_clock ?? null
  const now = emu.now(clock)
  const piId = emu.newId('pi')
  const charge = newCharge(emu, { id: null, currency: o.currency, customer: o.customer.id, description: null, customer_email: o.customer.email }, piId, o.pmId, o.amount, now, { ok: true })
  const intent = shape('payment_intent', {
    id: piId, object: 'payment_intent', amount: o.amount, amount_capturable: 0, amount_received: o.amount, capture_method: 'automatic',
    client_secret: `${piId}_secret_${emu.newId('s', 16).slice(2)}`, confirmation_method: 'automatic', created: now, currency: o.currency,
    customer: o.customer.id, description: null, latest_charge: charge.id, metadata: {}, payment_method: o.pmId, payment_method_types: ['card'],
    status: 'succeeded', last_payment_error: null,
  } satisfies Partial<Stripe.PaymentIntent>)
  emu.put('payment_intent', intent)
  emu.emit('payment_intent.created', intent, undefined, clock)
  emu.emit('charge.succeeded', charge, undefined, clock)
  emu.emit('payment_intent.succeeded', intent, undefined, clock)
  return intent
}

/** A voided invoice cancels its unpaid PaymentIntent and InvoicePayment, as Stripe does. */
export function cancelIntent(emu: Emulator, invoice: Obj): void {
  const intent = emu.find(emu.metaOf(invoice.id).payment_intent)
  if (!intent || intent.status === 'succeeded' || intent.status === 'canceled') return
  const now = emu.now(invoice.test_clock ?? null)
  intent.status = 'canceled'
  intent.canceled_at = now
  intent.cancellation_reason = 'void_invoice'
  const payment = invoicePayments(emu, invoice.id)[0]
  payment.status = 'canceled'
  payment.status_transitions.canceled_at = now
  emu.emit('payment_intent.canceled', intent, undefined, invoice.test_clock ?? null)
}

/** The invoice's payments list, as `expand[]=payments` includes it. */
export function invoicePayments(emu: Emulator, invoiceId: string): Obj[] {
  return emu.metaOf(invoiceId).payments ?? []
}
