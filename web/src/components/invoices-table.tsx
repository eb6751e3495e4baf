// The organization's invoices, newest first as the API sends them; stacks into cards on a phone.
import type { Invoice } from '../api-types.ts'
import { formatDate, formatMoney, humanize, type FormatOptions } from '../lib/format.ts'

const STATUS_TONE: Record<string, string> = { paid: 'success', open: 'warning', uncollectible: 'danger', void: 'neutral', draft: 'neutral' }

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
                return (
                  <tr key={invoice.id}>
                    <th scope="row" data-label="Invoice" className="mono">{label}</th>
                    <td data-label="Date">{formatDate(invoice.created, format, 'medium') || '—'}</td>
                    <td data-label="Amount" className="numeric">{formatMoney(amount, invoice.currency, format)}</td>
                    <td data-label="Status">
                      {invoice.status ? (
                        <span className={`pill pill-${STATUS_TONE[invoice.status] ?? 'neutral'}`}>{humanize(invoice.status)}</span>
                      ) : '—'}
                    </td>
                    <td data-label="Link" className="actions-cell">
                      {invoice.hosted_invoice_url ? (
                        <a href={invoice.hosted_invoice_url} target="_blank" rel="noreferrer" aria-label={`View invoice ${label} (opens in a new tab)`}>
                          View
                        </a>
                      ) : null}
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
