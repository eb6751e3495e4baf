// The current plan at a glance: name, price, status and the one date that matters next.
import type { Overview } from '../api-types.ts'
import { formatDate, formatMoney, formatPrice, type FormatOptions } from '../lib/format.ts'
import { effectiveStatus, statusBadge } from '../lib/status.ts'
import { StatusBadge } from './status-badge.tsx'

export interface SubscriptionSummaryProps extends FormatOptions {
  overview: Overview
  canManage: boolean
  busy: boolean
  confirmingCheckout: boolean
  onManageBilling: () => void
}

function keyDate(overview: Overview, format: FormatOptions): { label: string; value: string } | null {
  const { organization: org, subscription: sub, failed_payment: failed } = overview
  const status = effectiveStatus(overview)
  // While a payment is due, the next period's date would read as if nothing were owed.
  if (failed) return { label: 'Payment due', value: `${formatMoney(failed.amount_remaining, failed.currency, format)} now` }
  // A paused subscription bills nothing until it is resumed: its period's end is no billing date.
  if (sub?.status === 'paused') {
    const value = formatDate(sub.trial_end, format)
    return value ? { label: 'Trial ended', value } : null
  }
  if (sub?.cancel_at_period_end) {
    const value = formatDate(sub.cancel_at ?? sub.current_period_end, format)
    return value ? { label: 'Access until', value } : null
  }
  if (status === 'trialing') {
    const value = formatDate(sub?.trial_end ?? org.trial_ends_at, format)
    return value ? { label: 'Trial ends', value } : null
  }
  if (status === 'cancelled' || status === 'deleted') {
    const value = formatDate(org.cancelled_at, format)
    return value ? { label: 'Cancelled on', value } : null
  }
  const value = formatDate(sub?.current_period_end ?? org.next_billing_at, format)
  return sub && value ? { label: 'Next billing date', value } : null
}

export function SubscriptionSummary({ overview, canManage, busy, confirmingCheckout, onManageBilling, ...format }: SubscriptionSummaryProps) {
  const { organization: org, subscription: sub } = overview
  const badge = statusBadge(overview, format)
  const planName = sub?.product_name ?? org.plan_name ?? 'No plan yet'
  const price = sub?.unit_amount != null && sub.currency ? formatPrice(sub.unit_amount, sub.currency, sub.interval, format) : null
  const date = keyDate(overview, format)

  return (
    <section className="card summary" aria-labelledby="plan-heading">
      <div className="summary-head">
        <div>
          <h2 id="plan-heading" className="eyebrow">Current plan</h2>
          <p className="plan-name" data-testid="plan-name">{planName}</p>
          {price ? <p className="plan-price-line" data-testid="plan-price">{price}{sub?.quantity && sub.quantity > 1 ? ` × ${sub.quantity}` : ''}</p> : null}
        </div>
        <StatusBadge label={badge.label} tone={badge.tone} testId="status-badge" />
      </div>
      {date ? (
        <dl className="facts">
          <div>
            <dt>{date.label}</dt>
            <dd data-testid="key-date">{date.value}</dd>
          </div>
          {org.data_deletion_at ? (
            <div>
              <dt>Data deleted on</dt>
              <dd data-testid="deletion-date">{formatDate(org.data_deletion_at, format)}</dd>
            </div>
          ) : null}
          {org.billing_email ? (
            <div>
              <dt>Billing email</dt>
              <dd>{org.billing_email}</dd>
            </div>
          ) : null}
        </dl>
      ) : null}
      {!sub && confirmingCheckout ? (
        <p className="muted">Your new plan will appear here as soon as Stripe confirms the payment.</p>
      ) : !sub && org.billing_status !== 'cancelled' && org.billing_status !== 'deleted' ? (
        <p className="muted">This organization has no subscription yet. Choose a plan below to get started.</p>
      ) : null}
      {sub && canManage ? (
        <div className="card-actions">
          <button type="button" className="button button-primary" onClick={onManageBilling} disabled={busy}>
            Manage billing
          </button>
          <p className="muted small">Change plan, update your card or cancel in Stripe's secure billing portal.</p>
        </div>
      ) : null}
    </section>
  )
}
