// SetupIntents: saving a card for later payments without charging it, as Stripe's docs ("Set up future
// payments"; API reference "The SetupIntent object") describe. Created `requires_payment_method` (or
// `requires_confirmation` with a payment method); confirming attaches the card to the customer
// (payment_method.attached) and succeeds (setup_intent.succeeded); a card declined on setup leaves it
// `requires_payment_method` with last_setup_error (setup_intent.setup_failed) and answers 402.
import type Stripe from 'stripe'
import { shape, type Obj } from '../shape.ts'
import type { Emulator } from '../emulator.ts'
import { StripeApiError, invalid } from '../errors.ts'
import { bool, expand, expandPaths, page } from '../list.ts'
import { mergeMetadata, oneOf, route, str, type Route } from './common.ts'
import { assertAttachable, attach } from './payment-methods.ts'

const OPEN = ['requires_payment_method', 'requires_confirmation', 'requires_action']

export function createSetupIntent(emu: Emulator, p: Record<string, any>): Obj {
  const customer = p.customer ? emu.get('customer', String(p.customer), 'customer', 'customer') : null
  if (customer?.deleted) throw invalid(`No such customer: '${p.customer}'`, 'customer', 'resource_missing')
  const types = Array.isArray(p.payment_method_types) ? p.payment_method_types.map(String) : ['card']
  if (types.some((t: string) => t !== 'card')) throw invalid('This emulator supports payment methods of type card.', 'payment_method_types')
  const id = emu.newId('seti')
  const clock = customer?.test_clock ?? null
  const si = shape('setup_intent', {
    id, object: 'setup_intent', created: emu.now(clock), customer: customer?.id ?? null, client_secret: `${id}_secret_${emu.newId('s', 24).slice(2)}`,
    description: str(p.description, 'description') ?? null, metadata: mergeMetadata({}, p.metadata), payment_method_types: types,
    payment_method: str(p.payment_method, 'payment_method') ?? null,
    status: p.payment_method ? 'requires_confirmation' : 'requires_payment_method',
    usage: oneOf(p.usage, ['off_session', 'on_session'] as const, 'usage') ?? 'off_session',
  } satisfies Partial<Stripe.SetupIntent>)
  emu.put('setup_intent', si)
  emu.emit('setup_intent.created', si, undefined, clock)
  if (bool(p.confirm, 'confirm')) confirmSetupIntent(emu, si, {})
  return si
}

/** Confirms with `payment_method` (a pm_... or a test token), attaching it to the intent's customer. */
export function confirmSetupIntent(emu: Emulator, si: Obj, p: Record<string, any>): Obj {
  if (!OPEN.includes(si.status)) {
    throw new StripeApiError(400, 'invalid_request_error', `You cannot confirm this SetupIntent because it has a status of ${si.status}.`, { code: 'setup_intent_unexpected_state', param: 'intent' })
  }
  const pmRef = str(p.payment_method, 'payment_method') ?? si.payment_method
  if (!pmRef) throw new StripeApiError(400, 'invalid_request_error', 'You cannot confirm this SetupIntent because it\'s missing a payment method.', { code: 'setup_intent_unexpected_state', param: 'payment_method' })
  const clock = emu.clockOfCustomer(si.customer)
  const existing = emu.find(pmRef)
  try {
    if (!(existing?.object === 'payment_method' && existing.customer && existing.customer === si.customer)) assertAttachable(emu, pmRef)
  } catch (err) {
    if (!(err instanceof StripeApiError) || err.type !== 'card_error') throw err
    si.status = 'requires_payment_method'
    si.payment_method = null
    si.last_setup_error = { code: 'card_declined', decline_code: err.extra.decline_code ?? 'generic_decline', message: err.message, type: 'card_error' }
    emu.emit('setup_intent.setup_failed', si, undefined, clock)
    throw new StripeApiError(402, 'card_error', err.message, { ...err.extra, setup_intent: structuredClone(si) })
  }
  const pm = si.customer ? attach(emu, pmRef, si.customer) : emu.get('payment_method', pmRef, 'PaymentMethod', 'payment_method')
  si.payment_method = pm.id
  si.status = 'succeeded'
  si.last_setup_error = null
  emu.emit('setup_intent.succeeded', si, undefined, clock)
  return si
}

function cancel(emu: Emulator, si: Obj, p: Record<string, any>): Obj {
  if (!OPEN.includes(si.status)) {
    throw new StripeApiError(400, 'invalid_request_error', `You cannot cancel this SetupIntent because it has a status of ${si.status}.`, { code: 'setup_intent_unexpected_state', param: 'intent' })
  }
  si.status = 'canceled'
  si.cancellation_reason = oneOf(p.cancellation_reason, ['abandoned', 'duplicate', 'requested_by_customer'] as const, 'cancellation_reason') ?? null
  emu.emit('setup_intent.canceled', si, undefined, emu.clockOfCustomer(si.customer))
  return si
}

export const setupIntentRoutes: Route[] = [
  route('POST', '/v1/setup_intents', (emu, p) => expand(emu, createSetupIntent(emu, p), expandPaths(p))),
  route('GET', '/v1/setup_intents/:id', (emu, p, [id]) => expand(emu, emu.get('setup_intent', id, 'setup_intent', 'intent'), expandPaths(p))),
  route('POST', '/v1/setup_intents/:id/confirm', (emu, p, [id]) => expand(emu, confirmSetupIntent(emu, emu.get('setup_intent', id, 'setup_intent', 'intent'), p), expandPaths(p))),
  route('POST', '/v1/setup_intents/:id/cancel', (emu, p, [id]) => expand(emu, cancel(emu, emu.get('setup_intent', id, 'setup_intent', 'intent'), p), expandPaths(p))),
  route('GET', '/v1/setup_intents', (emu, p) => page(emu, '/v1/setup_intents', emu.all('setup_intent').filter((s) => (!p.customer || s.customer === p.customer) && (!p.payment_method || s.payment_method === p.payment_method)), p)),
]
