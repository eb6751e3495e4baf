// Change plan on a live subscription: pick a plan, see what Stripe will charge now and on the next
// invoice (its invoice preview, through the billing function), then confirm. A downgrade waits for
// the period's end; while one is scheduled the panel shows it with Undo instead of the plans.
import type { Plan, PlanChangePreview, Subscription } from '../api-types.ts'
import { formatDate, formatMoney, type FormatOptions } from '../lib/format.ts'
import { ScheduledChangeNotice } from './scheduled-change-notice.tsx'
import { BusyButton } from './busy-button.tsx'

export interface PlanChangePanelProps extends FormatOptions {
  subscription: Subscription
  plans: Plan[]
  preview: PlanChangePreview | null
  busy: boolean
  onPreview: (priceId: string) => void
  onConfirm: (preview: PlanChangePreview) => void
  onDismiss: () => void
  /** Releases a scheduled change (absent: not offered). */
  onUndo?: () => void
}

/** A per-seat price is billed for the seats in use: the preview says how many. */
const seatsOf = (preview: PlanChangePreview) => (preview.quantity > 1 ? ` for ${preview.quantity} seats` : '')

export function PlanChangePanel({ subscription: sub, plans, preview, busy, onPreview, onConfirm, onDismiss, onUndo, ...format }: PlanChangePanelProps) {
  if (sub.scheduled_change && onUndo) {
    return (
      <section className="card" aria-labelledby="change-heading">
        <h2 id="change-heading">Change plan</h2>
        <ScheduledChangeNotice subscription={sub} change={sub.scheduled_change} busy={busy} onUndo={onUndo} {...format} />
      </section>
    )
  }
  // Monthly to yearly (and back) goes through the portal; here, plans of the same interval.
  const others = plans.filter((p) => p.price_id !== sub.price_id && (!sub.interval || p.interval === sub.interval))
  if (others.length === 0) return null
  const chosen = preview ? plans.find((p) => p.price_id === preview.price_id) : null
  return (
    <section className="card" aria-labelledby="change-heading">
      <h2 id="change-heading">Change plan</h2>
      {preview ? (
        <div data-testid="plan-change-preview">
          <p>
            {preview.direction === 'upgrade'
              ? `Upgrade to ${chosen?.product_name ?? 'the new plan'}${seatsOf(preview)} now.`
              : `Downgrade to ${chosen?.product_name ?? 'the new plan'}${seatsOf(preview)} at the end of this period${preview.next_invoice_at ? ` (${formatDate(preview.next_invoice_at, format)})` : ''}: you keep ${sub.product_name ?? 'your plan'} until then.`}
          </p>
          <dl className="facts">
            <div>
              <dt>Charged now</dt>
              <dd data-testid="due-now">{formatMoney(preview.due_now, preview.currency, format)}</dd>
            </div>
            <div>
              <dt>Next invoice{preview.next_invoice_at ? ` on ${formatDate(preview.next_invoice_at, format)}` : ''}</dt>
              <dd data-testid="next-invoice">{formatMoney(preview.next_invoice_amount, preview.currency, format)}</dd>
            </div>
          </dl>
          <div className="form-actions">
            <BusyButton variant="primary" onClick={() => onConfirm(preview)} busy={busy}>
              Confirm change
            </BusyButton>
            <button type="button" className="button button-secondary" onClick={onDismiss} disabled={busy}>
              Keep current plan
            </button>
          </div>
        </div>
      ) : (
        <ul className="plans">
          {others.map((plan) => (
            <li key={plan.price_id} className="plan">
              <h3 className="plan-title">{plan.product_name}</h3>
              <p className="plan-price">
                <span className="plan-amount">{formatMoney(plan.unit_amount, plan.currency, format)}</span>
                <span className="muted"> / {plan.interval}</span>
              </p>
              <button type="button" className="button button-secondary plan-button" onClick={() => onPreview(plan.price_id)} disabled={busy}>
                Switch to {plan.product_name}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}
