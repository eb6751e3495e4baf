// Refunds of card payments, by PaymentIntent or Charge, partial or full, as Stripe's docs ("Refund and
// cancel payments"; API reference "Create a refund") describe: a card refund succeeds at once; the
// charge's amount_refunded grows and `refunded` turns true when nothing is left; Stripe sends
// refund.created and charge.refunded, and refund.updated when a refund changes (its metadata here).
import type Stripe from 'stripe'
import { shape, type Obj } from '../shape.ts'
import type { Emulator } from '../emulator.ts'
import { StripeApiError, invalid, required } from '../errors.ts'
import { expand, expandPaths, int, page } from '../list.ts'
import { mergeMetadata, oneOf, route, update, type Route } from './common.ts'

const REASONS = ['duplicate', 'fraudulent', 'requested_by_customer'] as const

/** An amount as Stripe's refund errors write it: "$29.00", "€7.00" (two-decimal currencies). */
function money(amount: number, currency: string): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency: currency.toUpperCase() }).format(amount / 100)
}

/** The charge a refund request names, directly or through its PaymentIntent's successful charge. */
function chargeToRefund(emu: Emulator, p: Record<string, any>): Obj {
  if (p.charge && p.payment_intent) throw invalid('You can only specify one of these parameters: charge, payment_intent.', 'payment_intent')
  if (p.charge) return emu.get('charge', String(p.charge), 'charge', 'charge')
  if (!p.payment_intent) throw required('charge')
  const intent = emu.get('payment_intent', String(p.payment_intent), 'payment_intent', 'payment_intent')
  const charge = emu.find(intent.latest_charge)
  if (intent.status !== 'succeeded' || !charge) {
    throw new StripeApiError(400, 'invalid_request_error', `This PaymentIntent (${intent.id}) does not have a successful charge to refund.`, { code: 'payment_intent_unexpected_state', param: 'payment_intent' })
  }
  return charge
}

function create(emu: Emulator, p: Record<string, any>): Obj {
  const charge = chargeToRefund(emu, p)
  if (charge.status !== 'succeeded') throw new StripeApiError(400, 'invalid_request_error', `Charge ${charge.id} has not succeeded and cannot be refunded.`, { code: 'charge_invalid_parameter', param: 'charge' })
  if (charge.refunded) throw new StripeApiError(400, 'invalid_request_error', `Charge ${charge.id} has already been refunded.`, { code: 'charge_already_refunded', param: 'charge' })
  const left = charge.amount - charge.amount_refunded
  const amount = int(p.amount, 'amount') ?? left
  if (amount < 1) throw invalid('Invalid positive integer', 'amount', 'parameter_invalid_integer')
  // Stripe's refusal has a param and no code; it names the charge's amount while nothing was refunded yet.
  if (amount > left) {
    const limit = charge.amount_refunded === 0 ? `charge amount (${money(left, charge.currency)})` : `unrefunded amount on charge (${money(left, charge.currency)})`
    throw new StripeApiError(400, 'invalid_request_error', `Refund amount (${money(amount, charge.currency)}) is greater than ${limit}`, { param: 'amount' })
  }
  const clock = emu.clockOfCustomer(charge.customer)
  const refund = shape('refund', {
    id: emu.newId('re'), object: 'refund', amount, charge: charge.id, created: emu.now(clock), currency: charge.currency, metadata: mergeMetadata({}, p.metadata),
    payment_intent: charge.payment_intent, reason: oneOf(p.reason, REASONS, 'reason') ?? null, status: 'succeeded',
    destination_details: { type: 'card', card: { reference_status: 'pending', reference_type: 'acquirer_reference_number', type: 'refund' } },
  } satisfies Partial<Stripe.Refund>)
  refund.customer = charge.customer ?? null
  refund.payment_method = charge.payment_method ?? null
  emu.put('refund', refund)
  const before = { amount_refunded: charge.amount_refunded, refunded: charge.refunded }
  charge.amount_refunded += amount
  charge.refunded = charge.amount_refunded === charge.amount
  emu.emit('refund.created', refund, undefined, clock)
  emu.emit('charge.refunded', charge, before, clock)
  return refund
}

export const refundRoutes: Route[] = [
  route('POST', '/v1/refunds', (emu, p) => expand(emu, create(emu, p), expandPaths(p))),
  route('GET', '/v1/refunds/:id', (emu, p, [id]) => expand(emu, emu.get('refund', id, 'refund'), expandPaths(p))),
  route('POST', '/v1/refunds/:id', (emu, p, [id]) => {
    const refund = emu.get('refund', id, 'refund')
    return expand(emu, update(emu, refund, (r) => (r.metadata = mergeMetadata(r.metadata, p.metadata)), 'refund.updated', emu.clockOfCustomer(refund.customer)), expandPaths(p))
  }),
  route('GET', '/v1/refunds', (emu, p) => page(emu, '/v1/refunds', emu.all('refund').filter((r) => (!p.charge || r.charge === p.charge) && (!p.payment_intent || r.payment_intent === p.payment_intent)), p)),
]
