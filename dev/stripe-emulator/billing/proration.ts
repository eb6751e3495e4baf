// Prorations when a subscription's price or quantity changes mid-period: a credit for the unused
// time on the old items and a charge for the rest of the period on the new ones. `create_prorations`
// leaves them as pending invoice items for the next invoice; `always_invoice` bills them now; a
// change of interval restarts the period and bills the new price at once, as Stripe does.
import type { Obj } from '../shape.ts'
import type { Emulator } from '../emulator.ts'
import { buildInvoice, finalize, paymentMethodFor } from './invoices.ts'
import { changeSub, charge, claimInvoiceItems, cycleLines, itemAmount, setPeriod } from './lifecycle.ts'
import { addInterval } from './periods.ts'
import { createInvoiceItem } from '../resources/invoice-items.ts'

/** `onInvoice` sees an invoice billed now before it is charged (a pending update marks it). */
export function prorate(emu: Emulator, sub: Obj, oldItems: Obj[], behaviour: 'create_prorations' | 'always_invoice' | 'none', now: number, onInvoice: (invoice: Obj) => void = () => {}): void {
  const start = sub.items.data[0].current_period_start
  const end = sub.items.data[0].current_period_end
  const customer = emu.get('customer', sub.customer, 'customer')
  const newInterval = sub.items.data[0].price.recurring.interval
  if (oldItems[0] && oldItems[0].price.recurring.interval !== newInterval) {
    const newEnd = addInterval(now, newInterval, sub.items.data[0].price.recurring.interval_count)
    changeSub(emu, sub, (s) => {
      setPeriod(s, now, newEnd)
      s.billing_cycle_anchor = now
    })
    if (behaviour !== 'none') credit(emu, sub, oldItems, start, end, now)
    billNow(emu, sub, customer, now, newEnd, cycleLines(emu, sub, now, newEnd), onInvoice)
    return
  }
  if (behaviour === 'none' || end <= now) return
  credit(emu, sub, oldItems, start, end, now)
  const share = (end - now) / (end - start)
  for (const item of sub.items.data) {
    const amount = Math.round(itemAmount(item) * share)
    if (amount !== 0) createInvoiceItem(emu, { customer, subscription: sub.id, amount, currency: sub.currency, description: `Remaining time on ${item.quantity} × ${item.price.nickname ?? item.price.id} after ${new Date(now * 1000).toISOString().slice(0, 10)}`, period: { start: now, end }, proration: true })
  }
  if (behaviour === 'always_invoice') {
    const lines = cycleLines(emu, sub, now, end).filter((l) => l.invoiceItem)
    billNow(emu, sub, customer, now, end, lines, onInvoice)
  }
}

function credit(emu: Emulator, sub: Obj, oldItems: Obj[], start: number, end: number, now: number): void {
  if (end <= now) return
  const share = (end - now) / (end - start)
  for (const item of oldItems) {
    const amount = -Math.round(itemAmount(item) * share)
    if (amount !== 0) createInvoiceItem(emu, { customer: emu.get('customer', sub.customer, 'customer'), subscription: sub.id, amount, currency: sub.currency, description: `Unused time on ${item.quantity} × ${item.price.nickname ?? item.price.id} after ${new Date(now * 1000).toISOString().slice(0, 10)}`, period: { start: now, end }, proration: true })
  }
}

function billNow(emu: Emulator, sub: Obj, customer: Obj, start: number, end: number, lines: ReturnType<typeof cycleLines>, onInvoice: (invoice: Obj) => void): void {
  if (lines.length === 0) return
  const invoice = buildInvoice(emu, { customer, currency: sub.currency, subscription: sub, billingReason: 'subscription_update', periodStart: start, periodEnd: end, lines })
  claimInvoiceItems(emu, invoice)
  sub.latest_invoice = invoice.id
  emu.emit('invoice.created', invoice, undefined, sub.test_clock)
  finalize(emu, invoice)
  onInvoice(invoice)
  charge(emu, invoice, paymentMethodFor(emu, invoice), true)
}
