// Pending updates (`payment_behavior=pending_if_incomplete`): a change of price or quantity that bills
// now is applied only once its invoice is paid. The invoice is made and charged as for any update;
// if the charge fails, the subscription keeps its items and carries the change in `pending_update`
// (expires_at 23 hours on) with the open invoice as latest_invoice. Paying that invoice applies it
// (customer.subscription.pending_update_applied); expiry or voiding the invoice discards it.
import type { Obj } from '../shape.ts'
import type { Emulator } from '../emulator.ts'
import { update } from '../resources/common.ts'

const changeSub = (emu: Emulator, sub: Obj, change: (s: Obj) => void) => update(emu, sub, change, 'customer.subscription.updated', sub.test_clock ?? null)

/** Stripe's expiry of a pending update: 23 hours after it was made. */
const PENDING_EXPIRES_S = 23 * 3600

/** The items the pending change asks for, kept on the invoice that must be paid for it. */
export function markPending(emu: Emulator, invoiceId: string, subId: string, items: Obj[]): void {
  Object.assign(emu.metaOf(invoiceId), { pendingUpdate: { subscription: subId, items } })
}

export const pendingItemsOf = (emu: Emulator, invoice: Obj): Obj[] | undefined => emu.metaOf(invoice.id).pendingUpdate?.items

/** The invoice's charge failed: the subscription keeps its items and records the change as pending. */
export function holdPending(emu: Emulator, sub: Obj, invoice: Obj): void {
  const items: Obj[] = pendingItemsOf(emu, invoice)!
  const now = emu.now(sub.test_clock ?? null)
  changeSub(emu, sub, (s) => {
    s.latest_invoice = invoice.id
    s.pending_update = {
      billing_cycle_anchor: null, expires_at: now + PENDING_EXPIRES_S, trial_end: null, trial_from_plan: null,
      subscription_items: structuredClone(items),
    }
  })
}

/** The invoice was paid: its items become the subscription's (at once, or when a pending update is paid). */
export function applyPending(emu: Emulator, sub: Obj, invoice: Obj): void {
  const items = pendingItemsOf(emu, invoice)
  if (!items) return
  delete emu.metaOf(invoice.id).pendingUpdate
  const wasPending = sub.pending_update !== null && sub.pending_update !== undefined
  changeSub(emu, sub, (s) => {
    s.items.data = structuredClone(items)
    s.pending_update = null
    s.latest_invoice = invoice.id
  })
  if (wasPending) emu.emit('customer.subscription.pending_update_applied', sub, undefined, sub.test_clock ?? null)
}

/** Expired, or its invoice voided: the pending change is dropped and the subscription stays as it is. */
export function discardPending(emu: Emulator, sub: Obj, expired: boolean): void {
  if (!sub.pending_update) return
  const invoice = emu.find(sub.latest_invoice)
  if (invoice) delete emu.metaOf(invoice.id).pendingUpdate
  changeSub(emu, sub, (s) => (s.pending_update = null))
  if (expired) emu.emit('customer.subscription.pending_update_expired', sub, undefined, sub.test_clock ?? null)
}
