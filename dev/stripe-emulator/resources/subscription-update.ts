// Updating a subscription: price or quantity with proration (or a pending update), cancel_at_period_end,
// cancel_at, trial_end=now, the default payment method, discounts and metadata.
import type { Obj } from '../shape.ts'
import type { Emulator } from '../emulator.ts'
import { invalid } from '../errors.ts'
import { bool, int } from '../list.ts'
import { mergeMetadata, oneOf } from './common.ts'
import { ownedBy } from './payment-methods.ts'
import { changeSub, LIVE, periodEnd, setPeriod } from '../billing/lifecycle.ts'
import { prorate } from '../billing/proration.ts'
import { isPendingChange, pendingChange } from '../billing/pending-change.ts'
import { redeem, resolveDiscount } from '../billing/discounts.ts'
import { recurringPrice, buildItem, saveDefault, discountsParam, trialEndFrom } from './subscription-params.ts'

export function updateSubscription(emu: Emulator, id: string, p: Record<string, any>): Obj {
  const sub = emu.get('subscription', id, 'subscription')
  if (!LIVE.includes(sub.status)) throw invalid(`A canceled subscription can only update its cancellation_details and metadata.`, 'id', 'resource_missing')
  const now = emu.now(sub.test_clock)
  if (sub.schedule && (p.cancel_at_period_end !== undefined || p.cancel_at !== undefined)) throw invalid(`The subscription is managed by the subscription schedule \`${sub.schedule}\`, and updating any cancelation behavior directly is not allowed. Please update the schedule instead.`, p.cancel_at === undefined ? 'cancel_at_period_end' : 'cancel_at')
  const cancelAtPeriodEnd = bool(p.cancel_at_period_end, 'cancel_at_period_end')
  const cancelAt = p.cancel_at === '' ? null : p.cancel_at === 'min_period_end' ? periodEnd(sub) : int(p.cancel_at, 'cancel_at')
  const pmId = p.default_payment_method === '' ? null : p.default_payment_method ? ownedBy(emu, p.default_payment_method, sub.customer, 'default_payment_method').id : undefined
  const proration = oneOf(p.proration_behavior, ['create_prorations', 'always_invoice', 'none'] as const, 'proration_behavior') ?? 'create_prorations'
  // Prorations as of a given time (the one a preview used), so the charge is the one previewed.
  const prorationDate = int(p.proration_date, 'proration_date')
  if (prorationDate !== undefined && (prorationDate < sub.items.data[0].current_period_start || prorationDate > sub.items.data[0].current_period_end)) throw invalid('proration_date must be within the current billing period.', 'proration_date')
  const payment = oneOf(p.payment_behavior, ['allow_incomplete', 'default_incomplete', 'error_if_incomplete', 'pending_if_incomplete'] as const, 'payment_behavior')
  const itemChanges: Obj[] = Array.isArray(p.items) ? p.items : []
  const planned = itemChanges.map((it, i) => ({
    item: it.id ? sub.items.data.find((x: Obj) => x.id === it.id) ?? (() => { throw invalid(`Invalid subscription item: ${it.id}`, `items[${i}][id]`) })() : null,
    price: it.price ? recurringPrice(emu, it.price, `items[${i}][price]`) : null,
    quantity: int(it.quantity, `items[${i}][quantity]`),
    deleted: bool(it.deleted, `items[${i}][deleted]`) ?? false,
  }))
  const remaining = sub.items.data.length - planned.filter((c) => c.deleted && c.item).length + planned.filter((c) => !c.item && c.price).length
  if (remaining < 1) throw invalid('A subscription must have at least one item.', 'items')
  const trialEndNow = p.trial_end === 'now'
  const newTrialEnd = p.trial_end !== undefined && !trialEndNow ? trialEndFrom({ trial_end: p.trial_end }, now) : undefined
  const oldItems = structuredClone(sub.items.data)
  const save = saveDefault(p)
  const newDiscounts = discountsParam(emu, p, sub.currency, sub.customer)
  const pending = isPendingChange(payment, proration, planned, sub)
  const oldDiscounts = (sub.discounts as string[]).map((d) => emu.find(d)!).filter(Boolean)

  changeSub(emu, sub, (s) => {
    s.metadata = mergeMetadata(s.metadata, p.metadata)
    if (pmId !== undefined) s.default_payment_method = pmId
    if (save) s.payment_settings = { ...s.payment_settings, save_default_payment_method: save }
    if (typeof p.description === 'string') s.description = p.description || null
    for (const ch of pending ? [] : planned) {
      if (ch.deleted && ch.item) s.items.data = s.items.data.filter((x: Obj) => x.id !== ch.item.id)
      else if (ch.item) {
        if (ch.price) ch.item.price = structuredClone(ch.price)
        if (ch.quantity !== undefined) ch.item.quantity = ch.quantity
      } else if (ch.price) {
        const it = buildItem(emu, s.id, ch.price, ch.quantity ?? 1, now, {})
        it.current_period_start = s.items.data[0].current_period_start
        it.current_period_end = s.items.data[0].current_period_end
        s.items.data.push(it)
      }
    }
    if (cancelAtPeriodEnd === true) {
      s.cancel_at_period_end = true
      s.cancel_at = periodEnd(s)
      s.canceled_at = now
      s.cancellation_details = { ...s.cancellation_details, reason: 'cancellation_requested', comment: p.cancellation_details?.comment ?? s.cancellation_details.comment, feedback: p.cancellation_details?.feedback ?? s.cancellation_details.feedback }
    } else if (cancelAtPeriodEnd === false || cancelAt === null) {
      s.cancel_at_period_end = false
      s.cancel_at = null
      s.canceled_at = null
      s.cancellation_details = { comment: null, feedback: null, feedback_option: null, reason: null }
    }
    if (typeof cancelAt === 'number') {
      s.cancel_at = cancelAt
      s.canceled_at = now
      s.cancel_at_period_end = cancelAt === periodEnd(s)
    }
    if (newTrialEnd != null && s.status === 'trialing') {
      s.trial_end = newTrialEnd
      setPeriod(s, s.items.data[0].current_period_start, newTrialEnd)
      emu.metaOf(s.id).trial_will_end_sent = false
    }
  })
  if (newDiscounts) replaceDiscounts(emu, sub, oldDiscounts, newDiscounts.map((d: ReturnType<typeof resolveDiscount>) => redeem(emu, d, { customer: sub.customer, subscription: sub.id }, now)))
  if (trialEndNow && sub.status === 'trialing') {
    sub.trial_end = now
    setPeriod(sub, sub.items.data[0].current_period_start, now)
  }
  if (pending) pendingChange(emu, sub, planned, prorationDate ?? now)
  else if (planned.some((c) => c.price || c.quantity !== undefined || c.deleted) && sub.status !== 'trialing') {
    prorate(emu, sub, oldItems, proration, prorationDate ?? now)
  }
  return sub
}

/**
 * A subscription's discounts replaced: customer.discount.updated when one discount takes another's
 * place, else .deleted for those removed and .created for those added (then the subscription's update).
 */
function replaceDiscounts(emu: Emulator, sub: Obj, old: Obj[], added: Obj[]): void {
  const clock = sub.test_clock ?? null
  const before = [...sub.discounts]
  sub.discounts = added.map((d) => d.id)
  if (old.length === 1 && added.length === 1) {
    emu.emit('customer.discount.updated', added[0], { source: old[0].source, promotion_code: old[0].promotion_code, start: old[0].start, end: old[0].end }, clock)
  } else {
    for (const d of old) emu.emit('customer.discount.deleted', d, undefined, clock)
    for (const d of added) emu.emit('customer.discount.created', d, undefined, clock)
  }
  if (JSON.stringify(before) !== JSON.stringify(sub.discounts)) emu.emit('customer.subscription.updated', sub, { discounts: before }, clock)
}
