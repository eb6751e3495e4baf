// A trial that ended without a payment method pauses the subscription: access has stopped, nothing is
// owed, and adding a payment method is the way on; once one is on file the admin resumes the
// subscription (Stripe does not resume it by itself).
export interface TrialEndedBannerProps {
  canManage: boolean
  busy: boolean
  onAddPaymentMethod: () => void
  /** A card is on file: offer to resume (absent: not offered). */
  hasCard?: boolean
  onResume?: () => void
}

export function TrialEndedBanner({ canManage, busy, onAddPaymentMethod, hasCard = false, onResume }: TrialEndedBannerProps) {
  const canResume = canManage && hasCard && onResume !== undefined
  return (
    <div className="banner banner-danger" role="alert" data-testid="trial-ended-banner">
      <div className="banner-text">
        <p className="banner-title">Your trial has ended — add a payment method to continue</p>
        <p>
          {canResume
            ? 'A payment method is on file: resume your subscription to continue (the new period is charged now).'
            : canManage
            ? 'Your subscription is paused until a payment method is on file.'
            : 'Ask an admin of this organization to add a payment method.'}
        </p>
      </div>
      {canManage ? (
        <div className="banner-actions">
          {canResume ? (
            <button type="button" className="button button-danger" onClick={onResume} disabled={busy}>
              Resume subscription
            </button>
          ) : (
            <button type="button" className="button button-danger" onClick={onAddPaymentMethod} disabled={busy}>
              Add payment method
            </button>
          )}
        </div>
      ) : null}
    </div>
  )
}
