// Customers: create, retrieve, update, list, delete, with `invoice_settings.default_payment_method`
// and a `test_clock`. Deleting a customer cancels its subscriptions, as Stripe does.
import type Stripe from 'stripe'
import type { Obj } from '../shape.ts'
import { shape } from '../shape.ts'
import type { Emulator } from '../emulator.ts'
import { invalid } from '../errors.ts'
import { expand, expandPaths, page } from '../list.ts'
import { mergeMetadata, nullable, route, str, update, type Route } from './common.ts'
import { assertAttachable, attach, ownedBy } from './payment-methods.ts'
import { cancelNow } from '../billing/lifecycle.ts'

function invoicePrefix(emu: Emulator): string {
  return emu.newId('x', 8).slice(2).toUpperCase().replace(/[^A-Z0-9]/g, 'X')
}

export function createCustomer(emu: Emulator, p: Record<string, any>): Obj {
  const clock = p.test_clock ? emu.get('test_helpers.test_clock', p.test_clock, 'test clock', 'test_clock').id : null
  const defaultPm = p.invoice_settings?.default_payment_method
  if (defaultPm && defaultPm !== p.payment_method) throw invalid(`The customer does not have a payment method with the ID ${defaultPm}.`, 'invoice_settings[default_payment_method]', 'resource_missing')
  // Checked before anything is written: a declined card leaves no customer behind.
  if (p.payment_method) assertAttachable(emu, p.payment_method)
  const customer = shape('customer', {
    id: emu.newId('cus', 14),
    object: 'customer',
    created: emu.now(clock),
    email: nullable(p.email, 'email') ?? null,
    name: nullable(p.name, 'name') ?? null,
    description: nullable(p.description, 'description') ?? null,
    phone: nullable(p.phone, 'phone') ?? null,
    metadata: mergeMetadata({}, p.metadata),
    balance: 0,
    delinquent: false,
    invoice_prefix: invoicePrefix(emu),
    next_invoice_sequence: 1,
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    preferred_locales: Array.isArray(p.preferred_locales) ? p.preferred_locales : [],
    tax_exempt: 'none',
    test_clock: clock,
  } satisfies Partial<Stripe.Customer>)
  emu.put('customer', customer)
  emu.emit('customer.created', customer, undefined, clock)
  if (p.payment_method) {
    const pm = attach(emu, p.payment_method, customer.id)
    if (defaultPm) update(emu, customer, (c) => (c.invoice_settings.default_payment_method = pm.id), 'customer.updated', clock)
  }
  return customer
}

function retrieve(emu: Emulator, id: string): Obj {
  const c = emu.get('customer', id, 'customer')
  return c.deleted ? { id, object: 'customer', deleted: true } : c
}

function updateCustomer(emu: Emulator, id: string, p: Record<string, any>): Obj {
  const customer = emu.get('customer', id, 'customer')
  if (customer.deleted) throw invalid(`No such customer: '${id}'`, 'id', 'resource_missing')
  const defaultPm = p.invoice_settings?.default_payment_method
  if (defaultPm) ownedBy(emu, defaultPm, id, 'invoice_settings[default_payment_method]')
  for (const k of ['email', 'name', 'description', 'phone']) nullable(p[k], k)
  return update(emu, customer, (c) => {
    for (const k of ['email', 'name', 'description', 'phone']) if (p[k] !== undefined) c[k] = p[k] === '' ? null : p[k]
    c.metadata = mergeMetadata(c.metadata, p.metadata)
    if (defaultPm !== undefined) c.invoice_settings = { ...c.invoice_settings, default_payment_method: defaultPm || null }
  }, 'customer.updated', customer.test_clock)
}

function deleteCustomer(emu: Emulator, id: string): Obj {
  const customer = emu.get('customer', id, 'customer')
  if (customer.deleted) throw invalid(`No such customer: '${id}'`, 'id', 'resource_missing')
  for (const sub of emu.all('subscription')) {
    if (sub.customer === id && !['canceled', 'incomplete_expired'].includes(sub.status)) cancelNow(emu, sub, 'cancellation_requested')
  }
  emu.emit('customer.deleted', customer, undefined, customer.test_clock)
  customer.deleted = true
  return { id, object: 'customer', deleted: true }
}

export const customerRoutes: Route[] = [
  route('POST', '/v1/customers', (emu, p) => expand(emu, createCustomer(emu, p), expandPaths(p))),
  // A deleted customer is its id alone: there is nothing to expand (Stripe answers it as is).
  route('GET', '/v1/customers/:id', (emu, p, [id]) => {
    const c = retrieve(emu, id)
    return c.deleted ? c : expand(emu, c, expandPaths(p))
  }),
  route('POST', '/v1/customers/:id', (emu, p, [id]) => expand(emu, updateCustomer(emu, id, p), expandPaths(p))),
  route('DELETE', '/v1/customers/:id', (emu, _p, [id]) => deleteCustomer(emu, id)),
  route('GET', '/v1/customers', (emu, p) => {
    const email = str(p.email, 'email')
    const items = emu.all('customer').filter((c) => !c.deleted && (!email || c.email === email) && (!p.test_clock || c.test_clock === p.test_clock))
    return page(emu, '/v1/customers', items, p)
  }),
]
