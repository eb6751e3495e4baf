// An update of price or quantity with `payment_behavior=pending_if_incomplete` and
// `proration_behavior=always_invoice`: the prorations are billed now against the changed items, but the
// subscription takes them only once that invoice is paid (pending-update.ts decides on the charge).
import type { Obj } from '../shape.ts'
import type { Emulator } from '../emulator.ts'
import { markPending } from './pending-update.ts'
import { prorate } from './proration.ts'
import { update } from '../resources/common.ts'

interface Planned { item: Obj | null; price: Obj | null; quantity: number | undefined; deleted: boolean }

/** Whether this update is one Stripe holds as pending until paid. */
export function isPendingChange(behaviour: string | undefined, proration: string, planned: Planned[], sub: Obj): boolean {
  return behaviour === 'pending_if_incomplete' && proration === 'always_invoice' && sub.status !== 'trialing' &&
    planned.some((c) => c.item && (c.price || c.quantity !== undefined))
}

export function pendingChange(emu: Emulator, sub: Obj, planned: Planned[], at: number): void {
  const oldItems = structuredClone(sub.items.data)
  const items: Obj[] = structuredClone(sub.items.data)
  for (const ch of planned) {
    const item = ch.item && items.find((x) => x.id === ch.item!.id)
    if (!item) continue
    if (ch.price) item.price = structuredClone(ch.price)
    if (ch.quantity !== undefined) item.quantity = ch.quantity
  }
  let invoiced = false
  // Billed as if changed (the same prorations as an applied update), charged against the real subscription.
  prorate(emu, { ...sub, items: { ...sub.items, data: items } }, oldItems, 'always_invoice', at, (invoice) => {
    invoiced = true
    markPending(emu, invoice.id, sub.id, items)
  })
  // Nothing to pay (no proration): nothing to wait for.
  if (!invoiced) update(emu, sub, (s) => (s.items.data = items), 'customer.subscription.updated', sub.test_clock ?? null)
}
