// The organization's invoices, newest first as the API sends them; stacks into cards on a phone. Each
// links to Stripe's hosted page and PDF (new tab), and says when refunds returned some or all of it.
import type { Invoice } from '../api-types.ts'
import { formatDate, formatMoney, humanize, type FormatOptions } from '../lib/format.ts'

const STATUS_TONE: Record<string, string> = { paid: 'success', open: 'warning', uncollectible: 'danger', void: 'neutral', draft: 'neutral' }

/** "Refunded" when refunds returned all that was paid, "Partially refunded, $x" when some; else null. */
function refundLabel(invoice: Invoice, format: FormatOptions): string | null {
  if (invoice.amount_refunded <= 0) return null
  if (invoice.amount_refunded >= invoice.amount_paid) return 'Refunded'
  return `Partially refunded, ${formatMoney(invoice.amount_refunded, invoice.currency, format)}`
}

/** A link to a Stripe page in a new tab: the opened page gets no handle on this one. */
function External({ href, label, children }: { href: string; label: string; children: string }) {
  return (
    <a href={href} target="_blank" rel="noopener noreferrer" aria-label={`${label} (opens in a new tab)`}>
      {children}
    </a>
  )
}

export function InvoicesTable({ invoices, ...format }: { invoices: Invoice[] } & FormatOptions) {
  return (
    <section className="card" aria-labelledby="invoices-heading" data-testid="invoices">
      <h2 id="invoices-heading">Invoices</h2>
      {invoices.length === 0 ? (
        <p className="empty-state">No invoices yet. They will appear here after your first payment.</p>
      ) : (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Invoice</th>
                <th scope="col">Date</th>
                <th scope="col" className="numeric">Amount</th>
                <th scope="col">Status</th>
                <th scope="col"><span className="sr-only">Link</span></th>
              </tr>
            </thead>
            <tbody>
              {invoices.map((invoice) => {
                const label = invoice.number ?? 'Draft'
                const amount = invoice.status === 'paid' ? invoice.amount_paid : invoice.amount_due
                const refund = refundLabel(invoice, format)
                return (
                  <tr key={invoice.id}>
                    <th scope="row" data-label="Invoice" className="mono">{label}</th>
                    <td data-label="Date">{formatDate(invoice.created, format, 'medium') || '—'}</td>
                    <td data-label="Amount" className="numeric">{formatMoney(amount, invoice.currency, format)}</td>
                    <td data-label="Status">
                      {invoice.status ? (
                        <span className={`pill pill-${STATUS_TONE[invoice.status] ?? 'neutral'}`}>{humanize(invoice.status)}</span>
                      ) : '—'}
                      {refund ? <span className="pill pill-neutral" data-testid={`refund-${invoice.id}`}>{refund}</span> : null}
                    </td>
                    <td data-label="Link" className="actions-cell">
                      {invoice.hosted_invoice_url ? <External href={invoice.hosted_invoice_url} label={`View invoice ${label}`}>View</External> : null}
                      {invoice.hosted_invoice_url && invoice.invoice_pdf ? ' · ' : null}
                      {invoice.invoice_pdf ? <External href={invoice.invoice_pdf} label={`Download invoice ${label} as PDF`}>PDF</External> : null}
                    </td>
                  </tr>
                )
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}
