// The money movement behind an invoice attempt: a PaymentIntent and its Charge, and the invoice's
// payment record (the `payments` Stripe includes on request). Card payments raise charge.* and
// payment_intent.* events beside the invoice's, as Stripe's do.
import type Stripe from 'stripe'
import { shape, type Obj } from '../shape.ts'
import type { Emulator } from '../emulator.ts'

export interface ChargeOutcome { ok: boolean; declineCode?: string; message?: string }

/** Records one card attempt on `invoice` (emitting its charge and intent events); returns the intent. */
export function recordAttempt(emu: Emulator, invoice: Obj, pmId: string, amount: number, outcome: ChargeOutcome): Obj {
  const clock = invoice.test_clock ?? null
  const now = emu.now(clock)
  const piId = emu.newId('pi')
  const chId = emu.newId('ch')
  const pm = emu.find(pmId)
  const failure = outcome.ok ? null : { code: 'card_declined', decline_code: outcome.declineCode ?? 'generic_decline', message: outcome.message ?? 'Your card was declined.', type: 'card_error' }
  const charge = shape('charge', {
    id: chId, object: 'charge', amount, amount_captured: outcome.ok ? amount : 0, amount_refunded: 0, captured: outcome.ok, created: now,
    currency: invoice.currency, customer: invoice.customer, description: invoice.description ?? null, disputed: false, metadata: {},
    paid: outcome.ok, payment_intent: piId, payment_method: pmId, refunded: false, status: outcome.ok ? 'succeeded' : 'failed',
    failure_code: failure?.code ?? null, failure_message: failure?.message ?? null, receipt_email: invoice.customer_email ?? null,
    receipt_url: outcome.ok ? `${emu.options.publicUrl}/invoice/${invoice.id}` : null, calculated_statement_descriptor: 'EMULATOR',
    billing_details: { address: null, email: null, name: null, phone: null, tax_id: null },
    outcome: { advice_code: null, network_advice_code: null, network_decline_code: null, network_status: outcome.ok ? 'approved_by_network' : 'declined_by_network', reason: outcome.ok ? null : failure!.decline_code, risk_level: 'normal', seller_message: outcome.ok ? 'Payment complete.' : 'The bank did not return any further details with this decline.', type: outcome.ok ? 'authorized' : 'issuer_declined' },
  } satisfies Partial<Stripe.Charge>)
  charge.payment_method_details = { type: 'card', card: pm?.card ? { brand: pm.card.brand, last4: pm.card.last4, exp_month: pm.card.exp_month, exp_year: pm.card.exp_year, funding: pm.card.funding, country: pm.card.country } : null }
  const intent = shape('payment_intent', {
    id: piId, object: 'payment_intent', amount, amount_capturable: 0, amount_received: outcome.ok ? amount : 0, capture_method: 'automatic',
    client_secret: `${piId}_secret_${emu.newId('s', 16).slice(2)}`, confirmation_method: 'automatic', created: now, currency: invoice.currency,
    customer: invoice.customer, description: invoice.billing_reason === 'subscription_create' ? 'Subscription creation' : invoice.billing_reason === 'manual' ? null : 'Subscription update',
    latest_charge: chId, metadata: {}, payment_method: outcome.ok ? pmId : null, payment_method_types: ['card'],
    status: outcome.ok ? 'succeeded' : 'requires_payment_method', last_payment_error: failure as Stripe.PaymentIntent.LastPaymentError | null,
  } satisfies Partial<Stripe.PaymentIntent>)
  emu.put('charge', charge)
  emu.put('payment_intent', intent)
  const payments: Obj[] = (emu.metaOf(invoice.id).payments ??= [])
  payments.push({
    id: emu.newId('inpay'), object: 'invoice_payment', amount_paid: outcome.ok ? amount : null, amount_requested: amount, created: now,
    currency: invoice.currency, invoice: invoice.id, is_default: payments.length === 0, livemode: false,
    payment: { type: 'payment_intent', payment_intent: piId }, status: outcome.ok ? 'paid' : 'open',
    status_transitions: { canceled_at: null, paid_at: outcome.ok ? now : null },
  })
  emu.emit('payment_intent.created', intent, undefined, clock)
  if (outcome.ok) {
    emu.emit('charge.succeeded', charge, undefined, clock)
    emu.emit('payment_intent.succeeded', intent, undefined, clock)
  } else {
    emu.emit('charge.failed', charge, undefined, clock)
    emu.emit('payment_intent.payment_failed', intent, undefined, clock)
  }
  return intent
}

/** The invoice's payments list, newest last, as `expand[]=payments` includes it. */
export function invoicePayments(emu: Emulator, invoiceId: string): Obj[] {
  return emu.metaOf(invoiceId).payments ?? []
}
