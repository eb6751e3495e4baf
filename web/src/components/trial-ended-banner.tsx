// A trial that ended without a payment method pauses the subscription: access has stopped, nothing is
// owed, and adding a payment method is the one way on (Stripe resumes the subscription when it has one).
export interface TrialEndedBannerProps {
  canManage: boolean
  busy: boolean
  onAddPaymentMethod: () => void
}

export function TrialEndedBanner({ canManage, busy, onAddPaymentMethod }: TrialEndedBannerProps) {
  return (
    <div className="banner banner-danger" role="alert" data-testid="trial-ended-banner">
      <div className="banner-text">
        <p className="banner-title">Your trial has ended — add a payment method to continue</p>
        <p>{canManage ? 'Your subscription is paused until a payment method is on file.' : 'Ask an admin of this organization to add a payment method.'}</p>
      </div>
      {canManage ? (
        <div className="banner-actions">
          <button type="button" className="button button-danger" onClick={onAddPaymentMethod} disabled={busy}>
            Add payment method
          </button>
        </div>
      ) : null}
    </div>
  )
}
