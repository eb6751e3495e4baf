// Payment methods from Stripe's test tokens. `pm_card_visa` pays; `pm_card_chargeCustomerFail`
// attaches but every charge fails; `pm_card_chargeDeclined` is declined when attached. Attaching a
// test token creates a new `pm_...`, as Stripe does.
import type Stripe from 'stripe'
import type { Obj } from '../shape.ts'
import { shape } from '../shape.ts'
import type { Emulator } from '../emulator.ts'
import { cardDeclined, invalid, required } from '../errors.ts'
import { int, page } from '../list.ts'
import { mergeMetadata, route, type Route } from './common.ts'

export type CardBehaviour = 'succeeds' | 'fails_on_charge' | 'declined_on_attach'

interface TestCard { brand: string; last4: string; behaviour: CardBehaviour; decline_code?: string }

const CARDS: Record<string, TestCard> = {
  visa: { brand: 'visa', last4: '4242', behaviour: 'succeeds' },
  visa_debit: { brand: 'visa', last4: '5556', behaviour: 'succeeds' },
  mastercard: { brand: 'mastercard', last4: '4444', behaviour: 'succeeds' },
  amex: { brand: 'amex', last4: '8431', behaviour: 'succeeds' },
  chargeCustomerFail: { brand: 'visa', last4: '0341', behaviour: 'fails_on_charge' },
  chargeDeclined: { brand: 'visa', last4: '0002', behaviour: 'declined_on_attach', decline_code: 'generic_decline' },
  visa_chargeDeclinedInsufficientFunds: { brand: 'visa', last4: '9995', behaviour: 'declined_on_attach', decline_code: 'insufficient_funds' },
}

const NUMBERS: Record<string, string> = {
  '4242424242424242': 'visa', '5555555555554444': 'mastercard', '378282246310005': 'amex',
  '4000000000000341': 'chargeCustomerFail', '4000000000000002': 'chargeDeclined', '4000000000009995': 'visa_chargeDeclinedInsufficientFunds',
}

/** The test cards the hosted pages offer. */
export const PAGE_CARDS = [
  { token: 'pm_card_visa', label: 'Visa •••• 4242 (succeeds)' },
  { token: 'pm_card_mastercard', label: 'Mastercard •••• 4444 (succeeds)' },
  { token: 'pm_card_chargeCustomerFail', label: 'Visa •••• 0341 (attaches, every charge fails)' },
  { token: 'pm_card_chargeDeclined', label: 'Visa •••• 0002 (declined)' },
]

function testCard(token: string): TestCard | undefined {
  const m = /^(?:pm_card_|tok_)(.+)$/.exec(token)
  return m ? CARDS[m[1]] : undefined
}

/** Throws what attaching would throw, without changing anything. */
export function assertAttachable(emu: Emulator, idOrToken: string): void {
  const card = testCard(idOrToken)
  const behaviour = card ? card.behaviour : behaviourOf(emu, emu.get('payment_method', idOrToken, 'PaymentMethod', 'payment_method').id)
  if (!card && emu.find(idOrToken)?.customer) {
    throw invalid('The payment method you provided has already been attached to a customer.', 'payment_method', 'payment_method_unexpected_state')
  }
  if (behaviour === 'declined_on_attach') {
    throw cardDeclined('Your card was declined.', { decline_code: card?.decline_code ?? declineCodeOf(emu, idOrToken), param: 'payment_method' })
  }
}

function build(emu: Emulator, card: TestCard, customer: string | null, metadata: Record<string, string> = {}): Obj {
  const pm = shape('payment_method', {
    id: emu.newId('pm'),
    object: 'payment_method',
    type: 'card',
    created: emu.now(emu.clockOfCustomer(customer)),
    customer,
    metadata,
    allow_redisplay: 'unspecified',
    billing_details: { address: null, email: null, name: null, phone: null, tax_id: null },
  } satisfies Partial<Stripe.PaymentMethod>)
  pm.card = {
    brand: card.brand, last4: card.last4, exp_month: 12, exp_year: new Date().getUTCFullYear() + 3, funding: 'credit', country: 'US',
    checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' }, display_brand: card.brand,
    fingerprint: card.last4.repeat(4), generated_from: null, networks: { available: [card.brand], preferred: null }, wallet: null,
    three_d_secure_usage: { supported: true }, regulated_status: 'unregulated',
  }
  emu.metaOf(pm.id).behaviour = card.behaviour
  emu.metaOf(pm.id).decline_code = card.decline_code
  return emu.put('payment_method', pm)
}

export function behaviourOf(emu: Emulator, pmId: string): CardBehaviour {
  return emu.metaOf(pmId).behaviour ?? 'succeeds'
}

export function declineCodeOf(emu: Emulator, pmId: string): string {
  return emu.metaOf(pmId).decline_code ?? 'generic_decline'
}

/**
 * Attaches a payment method (or a test token, creating its pm_...) to a customer. Validation comes
 * first, so a declined card changes nothing.
 */
export function attach(emu: Emulator, idOrToken: string, customerId: string): Obj {
  const customer = emu.get('customer', customerId, 'customer', 'customer')
  if (customer.deleted) throw invalid(`No such customer: '${customerId}'`, 'customer', 'resource_missing')
  const card = testCard(idOrToken)
  if (card) {
    if (card.behaviour === 'declined_on_attach') throw cardDeclined('Your card was declined.', { decline_code: card.decline_code, param: 'payment_method' })
    const pm = build(emu, card, customerId)
    emu.emit('payment_method.attached', pm, undefined, customer.test_clock)
    return pm
  }
  const pm = emu.get('payment_method', idOrToken, 'PaymentMethod', 'payment_method')
  if (pm.customer && pm.customer !== customerId) {
    throw invalid('The payment method you provided has already been attached to a customer.', 'payment_method', 'payment_method_unexpected_state')
  }
  if (behaviourOf(emu, pm.id) === 'declined_on_attach') throw cardDeclined('Your card was declined.', { decline_code: declineCodeOf(emu, pm.id) })
  if (pm.customer === customerId) return pm
  pm.customer = customerId
  emu.emit('payment_method.attached', pm, undefined, customer.test_clock)
  return pm
}

/** A card's new expiry (Stripe lets `card[exp_month]` and `card[exp_year]` change, e.g. a renewed card). */
function cardExpiry(emu: Emulator, pm: Obj, card: Record<string, unknown> | undefined): { exp_month: number; exp_year: number } | null {
  if (!card || (card.exp_month === undefined && card.exp_year === undefined)) return null
  if (pm.type !== 'card') throw invalid('You cannot update the card details of a payment method that is not a card.', 'card')
  const exp_month = int(card.exp_month, 'card[exp_month]') ?? pm.card.exp_month
  const exp_year = int(card.exp_year, 'card[exp_year]') ?? pm.card.exp_year
  // An expiry already past (by the customer's clock) is refused, as Stripe refuses it.
  const now = new Date(emu.now(emu.clockOfCustomer(pm.customer)) * 1000)
  if (exp_year < now.getUTCFullYear()) throw invalid('Your card\'s expiration year is invalid.', 'card[exp_year]', 'invalid_expiry_year')
  if (exp_month < 1 || exp_month > 12 || (exp_year === now.getUTCFullYear() && exp_month < now.getUTCMonth() + 1)) {
    throw invalid('Your card\'s expiration month is invalid.', 'card[exp_month]', 'invalid_expiry_month')
  }
  return { exp_month, exp_year }
}

function detach(emu: Emulator, pmId: string): Obj {
  const pm = emu.get('payment_method', pmId, 'PaymentMethod')
  if (!pm.customer) throw invalid('The payment method you provided is not attached to a customer so detachment is impossible.', 'payment_method', 'payment_method_unexpected_state')
  const customer = emu.find(pm.customer)
  pm.customer = null
  emu.emit('payment_method.detached', pm, { customer: customer?.id ?? null }, customer?.test_clock ?? null)
  if (customer && customer.invoice_settings.default_payment_method === pmId) {
    const before = structuredClone(customer.invoice_settings)
    customer.invoice_settings.default_payment_method = null
    emu.emit('customer.updated', customer, { invoice_settings: before }, customer.test_clock)
  }
  return pm
}

/** A payment method the customer owns, for default_payment_method parameters. */
export function ownedBy(emu: Emulator, pmId: string, customerId: string, param: string): Obj {
  const pm = emu.find(pmId)
  if (!pm || pm.object !== 'payment_method' || pm.customer !== customerId) {
    throw invalid(`The customer does not have a payment method with the ID ${pmId}. The payment method must be attached to the customer.`, param, 'resource_missing')
  }
  return pm
}

export const paymentMethodRoutes: Route[] = [
  route('POST', '/v1/payment_methods', (emu, p) => {
    if (p.type !== 'card') throw invalid('This emulator supports payment methods of type card.', 'type')
    const token = p.card?.token ?? (p.card?.number ? `tok_${NUMBERS[String(p.card.number).replace(/\s/g, '')] ?? ''}` : undefined)
    if (!token) throw required('card[token]')
    const card = testCard(token)
    if (!card) throw invalid(`Unknown test card or token: ${token}`, p.card?.token ? 'card[token]' : 'card[number]', 'invalid_number')
    return build(emu, card, null, mergeMetadata({}, p.metadata))
  }),
  route('GET', '/v1/payment_methods/:id', (emu, _p, [id]) => emu.get('payment_method', id, 'PaymentMethod')),
  route('POST', '/v1/payment_methods/:id/attach', (emu, p, [id]) => {
    if (!p.customer) throw required('customer')
    return attach(emu, id, p.customer)
  }),
  route('POST', '/v1/payment_methods/:id/detach', (emu, _p, [id]) => detach(emu, id)),
  route('POST', '/v1/payment_methods/:id', (emu, p, [id]) => {
    const pm = emu.get('payment_method', id, 'PaymentMethod')
    const expiry = cardExpiry(emu, pm, p.card)
    const prev: Obj = { metadata: pm.metadata, ...(expiry ? { card: { exp_month: pm.card.exp_month, exp_year: pm.card.exp_year } } : {}) }
    pm.metadata = mergeMetadata(pm.metadata, p.metadata)
    if (expiry) Object.assign(pm.card, expiry)
    emu.emit('payment_method.updated', pm, prev, emu.clockOfCustomer(pm.customer))
    return pm
  }),
  route('GET', '/v1/payment_methods', (emu, p) => {
    const items = emu.all('payment_method').filter((pm) => (!p.customer || pm.customer === p.customer) && (!p.type || pm.type === p.type))
    return page(emu, '/v1/payment_methods', items, p)
  }),
  route('GET', '/v1/customers/:id/payment_methods', (emu, p, [id]) => {
    emu.get('customer', id, 'customer')
    return page(emu, `/v1/customers/${id}/payment_methods`, emu.all('payment_method').filter((pm) => pm.customer === id), p)
  }),
]
