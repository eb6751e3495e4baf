// Cancel at period end with a reason, or resume a scheduled cancellation, without leaving the app.
// What it shows comes from the overview (Stripe, through the sync), never from what was clicked.
import { useState, type FormEvent } from 'react'
import type { CancelFeedback, CancelReason, Subscription } from '../api-types.ts'
import { formatDate, type FormatOptions } from '../lib/format.ts'
import { BusyButton } from './busy-button.tsx'

/** Stripe's feedback values, in the customer's words. */
const FEEDBACK_LABELS: Record<CancelFeedback, string> = {
  too_expensive: 'It is too expensive',
  missing_features: 'Features I need are missing',
  unused: 'We do not use it enough',
  switched_service: 'We switched to another service',
  too_complex: 'It is too complicated',
  low_quality: 'Quality was not good enough',
  customer_service: 'Customer service let us down',
  other: 'Another reason',
}

export interface CancelPanelProps extends FormatOptions {
  subscription: Subscription
  busy: boolean
  onCancel: (reason: CancelReason) => void
  onResume: () => void
}

export function CancelPanel({ subscription: sub, busy, onCancel, onResume, ...format }: CancelPanelProps) {
  const [asking, setAsking] = useState(false)
  const [feedback, setFeedback] = useState<CancelFeedback | ''>('')
  const [comment, setComment] = useState('')
  const endsAt = formatDate(sub.cancel_at ?? sub.current_period_end, format)

  if (sub.cancel_at_period_end || sub.cancel_at) {
    return (
      <section className="card" aria-labelledby="cancel-heading">
        <h2 id="cancel-heading">Subscription ending</h2>
        <p data-testid="ending-note">Your subscription ends on {endsAt}. Resume it before then and nothing changes.</p>
        <div className="card-actions">
          <BusyButton variant="primary" onClick={onResume} busy={busy}>
            Resume subscription
          </BusyButton>
        </div>
      </section>
    )
  }

  const submit = (event: FormEvent) => {
    event.preventDefault()
    onCancel({ ...(feedback ? { feedback } : {}), ...(comment.trim() ? { comment: comment.trim() } : {}) })
  }

  return (
    <section className="card" aria-labelledby="cancel-heading">
      <h2 id="cancel-heading">Cancel subscription</h2>
      {!asking ? (
        <div className="card-actions">
          <button type="button" className="button button-secondary" onClick={() => setAsking(true)} disabled={busy}>
            Cancel subscription…
          </button>
        </div>
      ) : (
        <form className="form" onSubmit={submit}>
          <p>Everything keeps working until {endsAt}; nothing more is charged. You can resume until then.</p>
          <div className="field">
            <label htmlFor="cancel-feedback">Why are you cancelling? (optional)</label>
            <select id="cancel-feedback" value={feedback} onChange={(e) => setFeedback(e.target.value as CancelFeedback | '')}>
              <option value="">Choose a reason</option>
              {Object.entries(FEEDBACK_LABELS).map(([value, label]) => <option key={value} value={value}>{label}</option>)}
            </select>
          </div>
          <div className="field">
            <label htmlFor="cancel-comment">Anything we should know? (optional)</label>
            <input id="cancel-comment" maxLength={500} value={comment} onChange={(e) => setComment(e.target.value)} />
          </div>
          <div className="form-actions">
            <BusyButton type="submit" variant="danger" busy={busy}>
              Cancel at period end
            </BusyButton>
            <button type="button" className="button button-secondary" onClick={() => setAsking(false)} disabled={busy}>
              Keep subscription
            </button>
          </div>
        </form>
      )}
    </section>
  )
}
