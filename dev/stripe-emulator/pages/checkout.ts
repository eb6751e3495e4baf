// The hosted Checkout page: what is being bought, an email when the session has no customer, a
// test card to choose, Pay. Success redirects to success_url with {CHECKOUT_SESSION_ID} filled in.
import type { Emulator } from '../emulator.ts'
import type { Obj } from '../shape.ts'
import { StripeApiError } from '../errors.ts'
import { cardOptional, completeCheckout, enterPromotionCode } from '../resources/checkout.ts'
import { PAGE_CARDS } from '../resources/payment-methods.ts'
import { cardChoices, esc, layout, money, type PageResult } from './layout.ts'

function render(emu: Emulator, session: Obj, error?: string): string {
  const meta = emu.metaOf(session.id)
  const lines = (meta.line_items as { price: string; quantity: number }[]).map((li) => {
    const price = emu.find(li.price)!
    const product = emu.find(price.product)
    const per = price.recurring ? ` / ${price.recurring.interval}` : ''
    return `<tr><td>${esc(product?.name ?? price.id)}${li.quantity > 1 ? ` × ${li.quantity}` : ''}</td><td>${money(price.unit_amount * li.quantity, price.currency)}${per}</td></tr>`
  })
  const trial = meta.subscription_data?.trial_period_days
  const needsEmail = !session.customer && !session.customer_email
  if (session.status !== 'open') return layout('Checkout', `<h1>This checkout session is ${esc(session.status)}</h1>`)
  return layout('Checkout', `
    <h1>Subscribe</h1>
    <p class="amount">${money(session.amount_total, session.currency)}</p>
    ${trial ? `<p class="muted">${trial}-day free trial, then billed each period.</p>` : ''}
    <table aria-label="Order summary">${lines.join('')}</table>
    ${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
    <form method="post">
      ${needsEmail ? `<label>Email <input type="email" name="email" required autocomplete="email"></label>` : `<p class="muted">Paying as ${esc(session.customer_email ?? emu.find(session.customer)?.email ?? session.customer)}</p>`}
      ${session.allow_promotion_codes && !session.discounts?.length ? `<label>Promotion code <input name="promotion_code" autocomplete="off"></label>` : ''}
      ${session.discounts?.length ? `<p class="ok">Discount applied: −${money(session.total_details.amount_discount, session.currency)}</p>` : ''}
      ${cardChoices(cardOptional(emu, session) ? [{ token: NO_CARD, label: 'No card now (add one before the trial ends)' }, ...PAGE_CARDS] : PAGE_CARDS)}
      <button type="submit">${trial ? 'Start trial' : 'Pay and subscribe'}</button>
    </form>
    ${session.cancel_url ? `<p><a href="${esc(session.cancel_url)}">Cancel and go back</a></p>` : ''}`)
}

/** The page's "no card" choice, offered only when the session may complete without one. */
const NO_CARD = 'none'

export function checkoutPage(emu: Emulator, method: string, id: string, form: Record<string, any>): PageResult {
  const session = emu.find(id)
  if (!session || session.object !== 'checkout.session') return { status: 404, html: layout('Not found', '<h1>No such checkout session</h1>') }
  if (method === 'GET') return { status: 200, html: render(emu, session) }
  try {
    // A code is checked before anything is paid: a bad code leaves the session open, as on Stripe's page.
    if (form.promotion_code) enterPromotionCode(emu, session, String(form.promotion_code))
    const card = String(form.card ?? 'pm_card_visa')
    completeCheckout(emu, session, card === NO_CARD ? null : card, form.email ? String(form.email) : null)
  } catch (err) {
    if (err instanceof StripeApiError) return { status: err.status === 402 ? 402 : 400, html: render(emu, session, err.message) }
    throw err
  }
  if (!session.success_url) return { status: 200, html: layout('Paid', '<h1 class="ok">Payment complete</h1>') }
  return { status: 303, location: session.success_url.replace('{CHECKOUT_SESSION_ID}', session.id) }
}
