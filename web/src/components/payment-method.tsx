// The card Stripe charges (brand, last 4, expiry), with "Update" through Stripe's portal, and a warning
// when it expires before the next renewal would charge it.
import type { PaymentMethod } from '../api-types.ts'
import { humanize } from '../lib/format.ts'

export interface PaymentMethodCardProps {
  paymentMethod: PaymentMethod | null
  canManage: boolean
  busy: boolean
  onUpdate: () => void
}

const BRANDS: Record<string, string> = { visa: 'Visa', mastercard: 'Mastercard', amex: 'American Express', discover: 'Discover', jcb: 'JCB', diners: 'Diners Club', unionpay: 'UnionPay' }

export function PaymentMethodCard({ paymentMethod: pm, canManage, busy, onUpdate }: PaymentMethodCardProps) {
  return (
    <section className="card" aria-labelledby="payment-method-heading" data-testid="payment-method">
      <h2 id="payment-method-heading">Payment method</h2>
      {pm ? (
        <p>
          <strong>{BRANDS[pm.brand] ?? humanize(pm.brand)}</strong> ending in <span className="mono">{pm.last4}</span>, expires{' '}
          <span className="mono">{String(pm.exp_month).padStart(2, '0')}/{pm.exp_year}</span>
        </p>
      ) : (
        <p className="empty-state">No card on file.</p>
      )}
      {pm?.expires_before_renewal ? (
        <p className="callout callout-warning" role="status" data-testid="card-expiring">
          This card expires before your next renewal. Update it to keep your subscription active.
        </p>
      ) : null}
      {canManage ? (
        <button type="button" className="button button-secondary" onClick={onUpdate} disabled={busy}>
          {pm ? 'Update card' : 'Add a card'}
        </button>
      ) : null}
    </section>
  )
}
