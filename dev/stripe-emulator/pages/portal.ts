// The hosted billing portal: the customer's subscriptions with cancel (at period end), resume, cancel
// now and change plan; the default card, replaceable with a test card; invoices, open ones payable.
// Each action goes through the same code as the API, so it emits the same events.
import type { Emulator } from '../emulator.ts'
import type { Obj } from '../shape.ts'
import { StripeApiError } from '../errors.ts'
import { PAGE_CARDS } from '../resources/payment-methods.ts'
import { confirmSetupIntent, createSetupIntent } from '../resources/setup-intents.ts'
import { routeFor } from '../router.ts'
import { charge, LIVE } from '../billing/lifecycle.ts'
import { cardChoices, date, esc, layout, money, type PageResult } from './layout.ts'

const PORTAL_TTL_S = 3600

function call(emu: Emulator, method: 'POST' | 'DELETE', path: string, params: Record<string, any>): Obj {
  const r = routeFor(method, path)
  if (!r) throw new Error(`no route ${method} ${path}`)
  return r.route.handle(emu, params, r.match)
}

function render(emu: Emulator, session: Obj, flash?: { ok: boolean; text: string }): string {
  const customer = emu.get('customer', session.customer, 'customer')
  const subs = emu.ofCustomer('subscription', customer.id).filter((s) => LIVE.includes(s.status))
  const prices = emu.all('price').filter((p) => p.active && p.recurring)
  const invoices = emu.ofCustomer('invoice', customer.id).filter((i) => i.status !== 'draft').reverse().slice(0, 12)
  const pm = emu.find(customer.invoice_settings.default_payment_method)
  const subHtml = subs.map((s) => {
    const item = s.items.data[0]
    const product = emu.find(item.price.product)
    const choices = prices.filter((p) => p.id !== item.price.id && p.currency === s.currency)
    return `<section aria-label="Subscription">
      <h2>${esc(product?.name ?? item.price.id)} · ${money(item.price.unit_amount * item.quantity, item.price.currency)} / ${esc(item.price.recurring.interval)}</h2>
      <p>Status: <strong>${esc(s.status)}</strong>${s.cancel_at_period_end ? ` — cancels on ${date(s.cancel_at)}` : s.status === 'trialing' ? ` — trial ends ${date(s.trial_end)}` : ` — renews ${date(item.current_period_end)}`}</p>
      <form method="post" class="inline"><input type="hidden" name="subscription" value="${esc(s.id)}">
        ${s.cancel_at_period_end
          ? `<button name="action" value="resume">Resume subscription</button>`
          : `<button name="action" value="cancel">Cancel subscription</button> <button class="secondary" name="action" value="cancel_now">Cancel now</button>`}
      </form>
      ${choices.length ? `<form method="post"><input type="hidden" name="subscription" value="${esc(s.id)}"><input type="hidden" name="action" value="change_plan">
        <fieldset><legend>Change plan</legend>${choices.map((p, i) => `<label><input type="radio" name="price" value="${esc(p.id)}"${i === 0 ? ' checked' : ''}> ${esc(emu.find(p.product)?.name ?? p.id)}${p.nickname ? ` (${esc(p.nickname)})` : ''} — ${money(p.unit_amount, p.currency)} / ${esc(p.recurring.interval)}</label>`).join('')}</fieldset>
        <button class="secondary">Change plan</button></form>` : ''}
    </section>`
  })
  const invHtml = invoices.map((i) => `<tr><td>${esc(i.number)}</td><td>${date(i.created)}</td><td>${money(i.amount_due, i.currency)}</td><td>${esc(i.status)}</td>
    <td>${i.status === 'open' ? `<form method="post" class="inline"><input type="hidden" name="invoice" value="${esc(i.id)}"><button name="action" value="pay_invoice">Pay ${esc(i.number)}</button></form>` : `<a href="${esc(i.hosted_invoice_url)}">View</a>`}</td></tr>`)
  return layout('Billing portal', `
    <h1>${esc(customer.name ?? customer.email ?? customer.id)}</h1>
    ${flash ? `<p class="${flash.ok ? 'ok' : 'error'}" role="${flash.ok ? 'status' : 'alert'}">${esc(flash.text)}</p>` : ''}
    ${subHtml.join('') || '<p>No active subscription.</p>'}
    <section aria-label="Payment method"><h2>Payment method</h2>
      <p>${pm ? `${esc(pm.card.brand)} •••• ${esc(pm.card.last4)}` : 'No card on file.'}</p>
      <form method="post"><input type="hidden" name="action" value="update_card">${cardChoices(PAGE_CARDS)}<button class="secondary">Update payment method</button></form>
    </section>
    <section aria-label="Invoices"><h2>Invoices</h2>${invHtml.length ? `<table>${invHtml.join('')}</table>` : '<p>No invoices yet.</p>'}</section>
    ${session.return_url ? `<p><a href="${esc(session.return_url)}">Return to the app</a></p>` : ''}`)
}

function act(emu: Emulator, session: Obj, form: Record<string, any>): string {
  const customerId = session.customer
  const own = (id: string, type: string) => {
    const o = emu.find(id)
    if (!o || o.object !== type || o.customer !== customerId) throw new StripeApiError(404, 'invalid_request_error', `No such ${type}`)
    return o
  }
  switch (form.action) {
    case 'cancel':
      call(emu, 'POST', `/v1/subscriptions/${own(form.subscription, 'subscription').id}`, { cancel_at_period_end: 'true' })
      return 'Your subscription will end at the close of the current period.'
    case 'resume':
      call(emu, 'POST', `/v1/subscriptions/${own(form.subscription, 'subscription').id}`, { cancel_at_period_end: 'false' })
      return 'Your subscription will continue.'
    case 'cancel_now':
      call(emu, 'DELETE', `/v1/subscriptions/${own(form.subscription, 'subscription').id}`, {})
      return 'Your subscription has been cancelled.'
    case 'change_plan': {
      const sub = own(form.subscription, 'subscription')
      call(emu, 'POST', `/v1/subscriptions/${sub.id}`, { items: [{ id: sub.items.data[0].id, price: String(form.price) }], proration_behavior: 'always_invoice' })
      return 'Your plan has been changed.'
    }
    case 'update_card': {
      // Stripe's portal saves the new card through a SetupIntent (setup_intent.created, then
      // payment_method.attached and setup_intent.succeeded), then makes it the default.
      const si = createSetupIntent(emu, { customer: customerId, payment_method: String(form.card), usage: 'off_session', metadata: {} })
      const pm = emu.get('payment_method', confirmSetupIntent(emu, si, {}).payment_method, 'PaymentMethod')
      call(emu, 'POST', `/v1/customers/${customerId}`, { invoice_settings: { default_payment_method: pm.id } })
      for (const sub of emu.all('subscription')) {
        if (sub.customer === customerId && sub.default_payment_method) call(emu, 'POST', `/v1/subscriptions/${sub.id}`, { default_payment_method: pm.id })
      }
      return 'Your payment method has been updated.'
    }
    case 'pay_invoice': {
      const invoice = own(form.invoice, 'invoice')
      const result = charge(emu, invoice, emu.get('customer', customerId, 'customer').invoice_settings.default_payment_method, false)
      if (!result.paid) throw new StripeApiError(402, 'card_error', `${result.message} Update your payment method and try again.`)
      return `Invoice ${invoice.number} is paid.`
    }
    default:
      throw new StripeApiError(400, 'invalid_request_error', `Unknown action: ${String(form.action)}`)
  }
}

export function portalPage(emu: Emulator, method: string, id: string, form: Record<string, any>): PageResult {
  const session = emu.find(id)
  if (!session || session.object !== 'billing_portal.session') return { status: 404, html: layout('Not found', '<h1>No such portal session</h1>') }
  if (emu.now() > session.created + PORTAL_TTL_S && emu.offset === 0) return { status: 410, html: layout('Expired', '<h1>This portal link has expired</h1><p>Open the billing portal again from the app.</p>') }
  if (method === 'GET') return { status: 200, html: render(emu, session) }
  try {
    return { status: 200, html: render(emu, session, { ok: true, text: act(emu, session, form) }) }
  } catch (err) {
    if (err instanceof StripeApiError) return { status: err.status, html: render(emu, session, { ok: false, text: err.message }) }
    throw err
  }
}
