// The first thing a customer with a failed payment must see: how much, and two ways to fix it.
import type { FailedPayment } from '../api-types.ts'
import { formatDate, formatMoney, type FormatOptions } from '../lib/format.ts'

export interface PaymentFailedBannerProps extends FormatOptions {
  payment: FailedPayment
  canManage: boolean
  busy: boolean
  onUpdatePaymentMethod: () => void
}

export function PaymentFailedBanner({ payment, canManage, busy, onUpdatePaymentMethod, ...format }: PaymentFailedBannerProps) {
  const amount = formatMoney(payment.amount_due, payment.currency, format)
  const retry = formatDate(payment.next_payment_attempt, format)
  return (
    <div className="banner banner-danger" role="alert" data-testid="payment-failed-banner">
      <div className="banner-text">
        <p className="banner-title">Your payment of {amount} failed</p>
        <p>
          {retry ? `We'll try your card again on ${retry}. ` : ''}
          Pay the invoice now, or update your payment method, to keep your subscription active.
        </p>
      </div>
      <div className="banner-actions">
        {payment.hosted_invoice_url ? (
          // Stripe's invoice page in a new tab: the app stays open to come back to.
          <a className="button button-danger" href={payment.hosted_invoice_url} target="_blank" rel="noopener noreferrer">
            Pay now<span className="sr-only"> (opens Stripe's invoice page in a new tab)</span>
          </a>
        ) : null}
        {canManage ? (
          <button type="button" className="button button-secondary" onClick={onUpdatePaymentMethod} disabled={busy}>
            Update payment method
          </button>
        ) : null}
      </div>
    </div>
  )
}
