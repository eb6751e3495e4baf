// The hosted invoice page (hosted_invoice_url): amount, status, and paying an open invoice with a test
// card. `/pdf` (invoice_pdf) answers a real PDF of the invoice (pages/pdf.ts).
import type { Emulator } from '../emulator.ts'
import type { Obj } from '../shape.ts'
import { StripeApiError } from '../errors.ts'
import { attach, PAGE_CARDS } from '../resources/payment-methods.ts'
import { charge } from '../billing/lifecycle.ts'
import { cardChoices, date, esc, layout, money, type PageResult } from './layout.ts'
import { renderPdf, type PdfLine } from './pdf.ts'

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
  if (pdf) return { status: 200, file: { body: pdfOf(invoice), contentType: 'application/pdf', filename: `Invoice-${invoice.number}.pdf` } }
  if (method === 'GET') return { status: 200, html: render(invoice) }
  try {
    const pm = attach(emu, String(form.card ?? 'pm_card_visa'), invoice.customer)
    const result = charge(emu, invoice, pm.id, false)
    return { status: result.paid ? 200 : 402, html: render(invoice, result.paid ? { ok: true, text: 'Thank you, the invoice is paid.' } : { ok: false, text: result.message }) }
  } catch (err) {
    if (err instanceof StripeApiError) return { status: err.status, html: render(invoice, { ok: false, text: err.message }) }
    throw err
  }
}

/** Amounts in the PDF: plain digits and the currency code (Helvetica's WinAnsi lacks some symbols). */
function plain(amount: number, currency: string): string {
  const digits = new Intl.NumberFormat('en-US', { style: 'currency', currency: currency.toUpperCase() }).resolvedOptions().maximumFractionDigits ?? 2
  return `${(amount / 10 ** digits).toFixed(digits)} ${currency.toUpperCase()}`
}

function pdfOf(invoice: Obj): Buffer {
  const lines: PdfLine[] = [
    { text: `Invoice ${invoice.number}`, size: 20, bold: true },
    { text: `${invoice.account_name ?? ''}` },
    { text: `Billed to: ${invoice.customer_name ?? invoice.customer_email ?? invoice.customer}` },
    { text: `Issued ${date(invoice.status_transitions.finalized_at ?? invoice.created)}${invoice.status_transitions.paid_at ? ` - paid ${date(invoice.status_transitions.paid_at)}` : ''} - status ${invoice.status}` },
    { text: ' ' },
    ...invoice.lines.data.map((l: Obj) => ({ text: `${l.description}    ${plain(l.amount, invoice.currency)}` })),
    { text: ' ' },
    ...(invoice.total_discount_amounts ?? []).map((d: Obj) => ({ text: `Discount    -${plain(d.amount, invoice.currency)}` })),
    { text: `Total    ${plain(invoice.total, invoice.currency)}`, bold: true },
    { text: `Amount due    ${plain(invoice.amount_due, invoice.currency)}`, bold: true },
    { text: `Amount paid    ${plain(invoice.amount_paid, invoice.currency)}` },
    { text: ' ' },
    { text: 'Stripe emulator - development only, no real payment.', size: 9 },
  ]
  return renderPdf(`Invoice ${invoice.number}`, lines)
}
