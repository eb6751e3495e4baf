// A plan change Stripe will make at the period's end (a scheduled downgrade): what and when, and Undo,
// which releases the schedule so the subscription stays on its plan.
import type { ScheduledChange, Subscription } from '../api-types.ts'
import { formatDate, formatMoney, type FormatOptions } from '../lib/format.ts'
import { BusyButton } from './busy-button.tsx'

export interface ScheduledChangeNoticeProps extends FormatOptions {
  subscription: Subscription
  change: ScheduledChange
  busy: boolean
  onUndo: () => void
}

export function ScheduledChangeNotice({ subscription: sub, change, busy, onUndo, ...format }: ScheduledChangeNoticeProps) {
  const price = change.unit_amount !== null && sub.currency ? ` (${formatMoney(change.unit_amount * change.quantity, sub.currency, format)} / ${sub.interval ?? 'period'})` : ''
  return (
    <div className="callout callout-info" data-testid="scheduled-change">
      <p>
        Your plan changes to <strong>{change.product_name}</strong>
        {change.quantity > 1 ? ` × ${change.quantity}` : ''}
        {price} on {formatDate(change.at, format)}. Until then you keep {sub.product_name ?? 'your current plan'}.
      </p>
      <div className="form-actions">
        <BusyButton variant="secondary" onClick={onUndo} busy={busy}>
          Undo change
        </BusyButton>
      </div>
    </div>
  )
}
