// `POST /v1/invoices/create_preview` with `subscription_details`: the invoice a change of the
// subscription's items would make, priced exactly as the update will (proration.ts) when given the
// same proration_date: `always_invoice` previews the invoice billed at once (the prorations),
// `create_prorations` the next renewal with the prorations on it, `none` the next renewal only.
import type { Obj } from '../shape.ts'
import type { Emulator } from '../emulator.ts'
import { invalid } from '../errors.ts'
import { int } from '../list.ts'
import { oneOf } from '../resources/common.ts'
import { buildInvoice, type LineInput } from './invoices.ts'
import { cycleLines, itemAmount, periodEnd } from './lifecycle.ts'
import { addInterval, type Interval } from './periods.ts'

interface Details { items?: Obj[]; proration_behavior?: string; proration_date?: unknown }

/** The preview of the change `p.subscription_details` asks for, or null when it asks for none. */
export function previewChange(emu: Emulator, customer: Obj, sub: Obj, p: Record<string, any>): Obj | null {
  const d = (p.subscription_details ?? {}) as Details
  if (!Array.isArray(d.items) || d.items.length === 0) return null
  const behaviour = oneOf(d.proration_behavior, ['create_prorations', 'always_invoice', 'none'] as const, 'subscription_details[proration_behavior]') ?? 'create_prorations'
  const now = int(d.proration_date, 'subscription_details[proration_date]') ?? emu.now(sub.test_clock)
  const oldItems: Obj[] = sub.items.data
  const newItems: Obj[] = structuredClone(oldItems)
  d.items.forEach((it, i) => {
    const item = newItems.find((x) => x.id === it.id)
    if (!item) throw invalid(`Invalid subscription item: ${it.id}`, `subscription_details[items][${i}][id]`)
    if (it.price) {
      const price = emu.get('price', it.price, 'price', `subscription_details[items][${i}][price]`)
      if (!price.recurring) throw invalid('The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`.', `subscription_details[items][${i}][price]`)
      if (price.recurring.interval !== item.price.recurring.interval) throw invalid('The emulator previews only changes within the same billing interval.', `subscription_details[items][${i}][price]`)
      item.price = structuredClone(price)
    }
    const qty = int(it.quantity, `subscription_details[items][${i}][quantity]`)
    if (qty !== undefined) item.quantity = qty
  })
  const start = oldItems[0].current_period_start
  const end = oldItems[0].current_period_end
  if (now < start || now > end) throw invalid('proration_date must be within the current billing period.', 'subscription_details[proration_date]')
  const share = (end - now) / (end - start)
  const day = new Date(now * 1000).toISOString().slice(0, 10)
  const prorations: LineInput[] = behaviour === 'none' || end <= now ? [] : [
    // Proration lines belong to their subscription item, as Stripe's preview shows them (parent
    // subscription_item_details, invoice_item null until the change is made).
    ...oldItems.map((it) => ({ amount: -Math.round(itemAmount(it) * share), description: `Unused time on ${it.quantity} × ${it.price.nickname ?? it.price.id} after ${day}`, quantity: 1, period: { start: now, end }, price: null, subscription: sub.id, subscriptionItem: it.id, proration: true })),
    ...newItems.map((it) => ({ amount: Math.round(itemAmount(it) * share), description: `Remaining time on ${it.quantity} × ${it.price.nickname ?? it.price.id} after ${day}`, quantity: 1, period: { start: now, end }, price: null, subscription: sub.id, subscriptionItem: it.id, proration: true })),
  ].filter((l) => l.amount !== 0)
  const changed = { ...sub, items: { ...sub.items, data: newItems } }
  // Items already waiting for the subscription's next invoice are swept onto either one, with their ids
  // (Stripe's invoice_item_details.invoice_item is never null).
  const pending = cycleLines(emu, sub, now, end).filter((l) => l.invoiceItem)
  let draft: Obj
  if (behaviour === 'always_invoice') {
    draft = buildInvoice(emu, { customer, currency: sub.currency, lines: [...pending, ...prorations], billingReason: 'subscription_update', subscription: changed, periodStart: now, periodEnd: end, preview: true })
  } else {
    const nextStart = periodEnd(sub)
    const price = newItems[0].price
    const nextEnd = addInterval(nextStart, price.recurring.interval as Interval, price.recurring.interval_count, new Date(sub.billing_cycle_anchor * 1000).getUTCDate())
    const cycle = cycleLines(emu, changed, nextStart, nextEnd).filter((l) => !l.invoiceItem)
    draft = buildInvoice(emu, { customer, currency: sub.currency, lines: [...cycle, ...pending, ...prorations], billingReason: 'subscription_cycle', subscription: changed, periodStart: nextStart, periodEnd: nextEnd, preview: true })
  }
  emu.remove('invoice', draft.id)
  const id = `upcoming_${draft.id}`
  return { ...draft, id, lines: { ...draft.lines, url: `/v1/invoices/${id}/lines`, data: draft.lines.data.map((l: Obj) => ({ ...l, invoice: id })) } }
}
