// Subscriptions: create (items, quantity, trials, default payment method, payment_behavior), retrieve,
// list (by customer, price, status incl. 'all'), update (price or quantity with proration,
// cancel_at_period_end, cancel_at, trial_end=now, metadata), cancel, resume.
// Create and update live in subscription-create.ts and subscription-update.ts.
import type { Obj } from '../shape.ts'
import { invalid, required } from '../errors.ts'
import { expand, expandPaths, page } from '../list.ts'
import { route, type Route } from './common.ts'
import { addInterval } from '../billing/periods.ts'
import { buildInvoice, finalize, paymentMethodFor } from '../billing/invoices.ts'
import { cancelNow, changeSub, charge, claimInvoiceItems, cycleLines, LIVE, setPeriod } from '../billing/lifecycle.ts'
import { createSubscription } from './subscription-create.ts'
import { updateSubscription } from './subscription-update.ts'

export const subscriptionRoutes: Route[] = [
  route('POST', '/v1/subscriptions', (emu, p) => expand(emu, createSubscription(emu, p), expandPaths(p))),
  route('GET', '/v1/subscriptions/:id', (emu, p, [id]) => expand(emu, emu.get('subscription', id, 'subscription'), expandPaths(p))),
  route('POST', '/v1/subscriptions/:id', (emu, p, [id]) => expand(emu, updateSubscription(emu, id, p), expandPaths(p))),
  route('DELETE', '/v1/subscriptions/:id', (emu, p, [id]) => {
    const sub = emu.get('subscription', id, 'subscription')
    if (!LIVE.includes(sub.status)) throw invalid(`No such subscription: '${id}'`, 'id', 'resource_missing')
    if (p.cancellation_details) sub.cancellation_details = { ...sub.cancellation_details, comment: p.cancellation_details.comment ?? null, feedback: p.cancellation_details.feedback ?? null }
    cancelNow(emu, sub, 'cancellation_requested')
    return expand(emu, sub, expandPaths(p))
  }),
  route('POST', '/v1/subscriptions/:id/resume', (emu, p, [id]) => {
    const sub = emu.get('subscription', id, 'subscription')
    if (sub.status !== 'paused') throw invalid('Only paused subscriptions can be resumed.', 'id', 'subscription_not_paused')
    const now = emu.now(sub.test_clock)
    sub.billing_cycle_anchor = now
    const customer = emu.get('customer', sub.customer, 'customer')
    const end = addInterval(now, sub.items.data[0].price.recurring.interval, sub.items.data[0].price.recurring.interval_count)
    changeSub(emu, sub, (s) => {
      s.status = 'active'
      setPeriod(s, now, end)
    })
    emu.emit('customer.subscription.resumed', sub, undefined, sub.test_clock)
    const invoice = buildInvoice(emu, { customer, currency: sub.currency, subscription: sub, billingReason: 'subscription_cycle', periodStart: now, periodEnd: end, lines: cycleLines(emu, sub, now, end) })
    claimInvoiceItems(emu, invoice)
    sub.latest_invoice = invoice.id
    emu.emit('invoice.created', invoice, undefined, sub.test_clock)
    finalize(emu, invoice)
    charge(emu, invoice, paymentMethodFor(emu, invoice), true)
    return expand(emu, sub, expandPaths(p))
  }),
  route('GET', '/v1/subscriptions', (emu, p) => {
    const status = p.status ?? 'live'
    const items = (typeof p.customer === 'string' ? emu.ofCustomer('subscription', p.customer) : emu.all('subscription')).filter((s) =>
      (!p.customer || s.customer === p.customer) &&
      (!p.price || s.items.data.some((i: Obj) => i.price.id === p.price)) &&
      (!p.test_clock || s.test_clock === p.test_clock) &&
      (status === 'all' || (status === 'live' ? s.status !== 'canceled' && s.status !== 'incomplete_expired' : s.status === status)))
    return page(emu, '/v1/subscriptions', items, p)
  }),
  route('GET', '/v1/subscription_items', (emu, p) => {
    if (!p.subscription) throw required('subscription')
    const sub = emu.get('subscription', p.subscription, 'subscription', 'subscription')
    return page(emu, '/v1/subscription_items', sub.items.data, p)
  }),
]
