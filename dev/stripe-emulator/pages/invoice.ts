// The hosted invoice page (hosted_invoice_url): amount, status, and paying an open invoice with a test
// card. `/pdf` answers a printable HTML receipt (the emulator does not render PDFs).
import type { Emulator } from '../emulator.ts'
import type { Obj } from '../shape.ts'
import { StripeApiError } from '../errors.ts'
import { attach, PAGE_CARDS } from '../resources/payment-methods.ts'
import { charge } from '../billing/lifecycle.ts'
import { cardChoices, date, esc, layout, money, type PageResult } from './layout.ts'

function render(invoice: Obj, flash?: { ok: boolean; text: string }): string {
  const lines = invoice.lines.data.map((l: Obj) => `<tr><td>${esc(l.description)}</td><td>${money(l.amount, invoice.currency)}</td></tr>`).join('')
  return layout(`Invoice ${invoice.number ?? invoice.id}`, `
    <h1>Invoice ${esc(invoice.number ?? invoice.id)}</h1>
    <p class="amount">${money(invoice.amount_due, invoice.currency)}</p>
    <p>Status: <strong>${esc(invoice.status)}</strong> · issued ${date(invoice.created)}${invoice.status_transitions.paid_at ? ` · paid ${date(invoice.status_transitions.paid_at)}` : ''}</p>
    ${flash ? `<p class="${flash.ok ? 'ok' : 'error'}" role="${flash.ok ? 'status' : 'alert'}">${esc(flash.text)}</p>` : ''}
    <table aria-label="Invoice lines">${lines}</table>
    ${invoice.status === 'open' ? `<form method="post">${cardChoices(PAGE_CARDS)}<button>Pay ${money(invoice.amount_remaining, invoice.currency)}</button></form>` : ''}`)
}

export function invoicePage(emu: Emulator, method: string, id: string, pdf: boolean, form: Record<string, any>): PageResult {
  const invoice = emu.find(id)
  if (!invoice || invoice.object !== 'invoice' || invoice.status === 'draft') return { status: 404, html: layout('Not found', '<h1>No such invoice</h1>') }
  if (method === 'GET' || pdf) return { status: 200, html: render(invoice) }
  try {
    const pm = attach(emu, String(form.card ?? 'pm_card_visa'), invoice.customer)
    const result = charge(emu, invoice, pm.id, false)
    return { status: result.paid ? 200 : 402, html: render(invoice, result.paid ? { ok: true, text: 'Thank you, the invoice is paid.' } : { ok: false, text: result.message }) }
  } catch (err) {
    if (err instanceof StripeApiError) return { status: err.status, html: render(invoice, { ok: false, text: err.message }) }
    throw err
  }
}
