// Invoice items: one-off charges (and prorations) waiting for the customer's next invoice.
import type Stripe from 'stripe'
import { shape, type Obj } from '../shape.ts'
import type { Emulator } from '../emulator.ts'
import { invalid, required } from '../errors.ts'
import { int, page } from '../list.ts'
import { mergeMetadata, route, str, type Route } from './common.ts'

export function createInvoiceItem(emu: Emulator, o: { customer: Obj; amount: number; currency: string; description: string; subscription?: string | null; period?: { start: number; end: number }; proration?: boolean; metadata?: Record<string, string> }): Obj {
  const now = emu.now(o.customer.test_clock)
  const ii = shape('invoiceitem', {
    id: emu.newId('ii'),
    object: 'invoiceitem',
    amount: o.amount,
    currency: o.currency,
    customer: o.customer.id,
    date: now,
    description: o.description,
    discountable: true,
    discounts: [],
    invoice: null,
    metadata: o.metadata ?? {},
    period: o.period ?? { start: now, end: now },
    proration: o.proration ?? false,
    quantity: 1,
    test_clock: o.customer.test_clock ?? null,
  } satisfies Partial<Stripe.InvoiceItem>)
  ii.quantity_decimal = '1' // a decimal string on the wire (the client's type is its Decimal class)
  ii.parent = o.subscription ? { type: 'subscription_details', subscription_details: { subscription: o.subscription } } : null
  emu.put('invoiceitem', ii)
  emu.emit('invoiceitem.created', ii, undefined, o.customer.test_clock)
  return ii
}

export const invoiceItemRoutes: Route[] = [
  route('POST', '/v1/invoiceitems', (emu, p) => {
    if (!p.customer) throw required('customer')
    const customer = emu.get('customer', p.customer, 'customer', 'customer')
    let amount = int(p.amount, 'amount')
    let currency = str(p.currency, 'currency')?.toLowerCase()
    if (p.pricing?.price) {
      const price = emu.get('price', p.pricing.price, 'price', 'pricing[price]')
      amount = price.unit_amount * (int(p.quantity, 'quantity') ?? 1)
      currency = price.currency
    }
    if (amount === undefined) throw required('amount')
    if (!currency) throw required('currency')
    if (p.invoice) {
      const inv = emu.get('invoice', p.invoice, 'invoice', 'invoice')
      if (inv.status !== 'draft') throw invalid('You can only add invoice items to draft invoices.', 'invoice', 'invoice_not_editable')
    }
    const ii = createInvoiceItem(emu, { customer, amount, currency, description: str(p.description, 'description') ?? 'Invoice item', metadata: mergeMetadata({}, p.metadata) })
    if (p.invoice) {
      const inv = emu.get('invoice', p.invoice, 'invoice')
      ii.invoice = inv.id
      inv.lines.data.push({ id: emu.newId('il'), object: 'line_item', amount, currency, description: ii.description, invoice: inv.id, livemode: false, metadata: {}, period: ii.period, quantity: 1, subtotal: amount, discount_amounts: [], discountable: true, discounts: [], taxes: [], pretax_credit_amounts: [], parent: { type: 'invoice_item_details', subscription_item_details: null, invoice_item_details: { invoice_item: ii.id, proration: false, proration_details: { credited_items: null }, subscription: null } }, pricing: null })
      for (const k of ['amount_due', 'amount_remaining', 'subtotal', 'subtotal_excluding_tax', 'total', 'total_excluding_tax']) inv[k] += amount
    }
    return ii
  }),
  route('GET', '/v1/invoiceitems/:id', (emu, _p, [id]) => emu.get('invoiceitem', id, 'invoiceitem')),
  route('DELETE', '/v1/invoiceitems/:id', (emu, _p, [id]) => {
    const ii = emu.get('invoiceitem', id, 'invoiceitem')
    if (ii.invoice) throw invalid('This invoice item is already part of an invoice and cannot be deleted.', 'id', 'invoice_not_editable')
    emu.remove('invoiceitem', id)
    emu.emit('invoiceitem.deleted', ii, undefined, ii.test_clock)
    return { id, object: 'invoiceitem', deleted: true }
  }),
  route('GET', '/v1/invoiceitems', (emu, p) => {
    const pending = p.pending === 'true' ? true : p.pending === 'false' ? false : undefined
    const items = (typeof p.customer === 'string' ? emu.ofCustomer('invoiceitem', p.customer) : emu.all('invoiceitem')).filter((i) => (!p.customer || i.customer === p.customer) && (!p.invoice || i.invoice === p.invoice) && (pending === undefined || (i.invoice === null) === pending))
    return page(emu, '/v1/invoiceitems', items, p)
  }),
]
