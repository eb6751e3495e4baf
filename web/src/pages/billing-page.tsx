// The billing page itself, drawn from one overview and callbacks only, so it can be rendered in tests
// with fixtures; `BillingContainer` fetches, polls and performs the actions.
import type { CancelReason, ExportLink, Overview, PlanChangePreview } from '../api-types.ts'
import { PlanChangePanel } from '../components/plan-change-panel.tsx'
import { CancelPanel } from '../components/cancel-panel.tsx'
import { ExportPanel } from '../components/export-panel.tsx'
import { InvoicesTable } from '../components/invoices-table.tsx'
import { MembersList } from '../components/members-list.tsx'
import { OverLimitNotice } from '../components/over-limit-notice.tsx'
import { PaymentFailedBanner } from '../components/payment-failed-banner.tsx'
import { PaymentMethodCard } from '../components/payment-method.tsx'
import { TrialEndedBanner } from '../components/trial-ended-banner.tsx'
import { TrialStatus } from '../components/trial-status.tsx'
import { DiscountNote } from '../components/discount-note.tsx'
import { PlanChooser } from '../components/plan-chooser.tsx'
import { PlanUsageCard } from '../components/plan-usage.tsx'
import { SubscriptionSummary } from '../components/subscription-summary.tsx'
import type { FormatOptions } from '../lib/format.ts'
import { membersPath } from '../lib/router.ts'

/** The action in flight: one at a time, so a double click cannot open two Checkouts. */
export type BusyAction = 'portal' | 'export' | 'cancel' | 'resume' | 'preview' | 'change' | 'undo' | `checkout:${string}`

export interface BillingPageProps extends FormatOptions {
  overview: Overview
  busy?: BusyAction | null
  /** The last action's error, in the API's words. */
  actionError?: string | null
  exportLink?: ExportLink | null
  /** Back from Checkout, waiting for Stripe: offering the plans again would invite a second payment. */
  confirmingCheckout?: boolean
  onCheckout: (priceId: string) => void
  /** Opens the Stripe customer portal ("Manage billing" and "Update payment method"). */
  onManageBilling: () => void
  onExport: () => void
  /** Cancel at period end with a reason, and withdraw it (absent: the page offers neither). */
  onCancel?: (reason: CancelReason) => void
  onResume?: () => void
  /** The plan change being considered (Stripe's preview), and the actions on it (absent: not offered). */
  planChange?: PlanChangePreview | null
  onPreviewPlanChange?: (priceId: string) => void
  onConfirmPlanChange?: (preview: PlanChangePreview) => void
  onDismissPlanChange?: () => void
  /** Undoes a plan change scheduled for the period's end. */
  onUndoPlanChange?: () => void
}

/** Pure rendering of one overview: every state is reachable from a fixture, with no network. */
export function BillingPage({ overview, busy = null, actionError = null, exportLink = null, confirmingCheckout = false, onCheckout, onManageBilling, onExport, onCancel, onResume, planChange = null, onPreviewPlanChange, onConfirmPlanChange, onDismissPlanChange, onUndoPlanChange, ...format }: BillingPageProps) {
  const { organization: org, subscription, failed_payment: failedPayment } = overview
  const isAdmin = overview.role === 'admin'
  const cancelled = org.billing_status === 'cancelled'
  const busyPriceId = busy?.startsWith('checkout:') ? busy.slice('checkout:'.length) : null

  return (
    <div className="billing">
      <header className="page-head">
        <p className="eyebrow">Billing</p>
        <h1>{org.name}</h1>
      </header>

      {failedPayment ? (
        <PaymentFailedBanner payment={failedPayment} canManage={isAdmin} busy={busy !== null} onUpdatePaymentMethod={onManageBilling} {...format} />
      ) : null}

      {org.billing_status === 'paused' ? (
        <TrialEndedBanner canManage={isAdmin} busy={busy !== null} onAddPaymentMethod={onManageBilling} hasCard={overview.payment_method !== null} onResume={onResume} />
      ) : null}

      {actionError ? (
        <div className="callout callout-danger" role="alert">
          {actionError}
        </div>
      ) : null}

      <OverLimitNotice usage={overview.usage} canManage={isAdmin} busy={busy !== null} membersHref={membersPath(org.id)} onUpgrade={onManageBilling} />

      {!isAdmin ? <p className="callout callout-info">Only admins can change billing.</p> : null}

      <SubscriptionSummary
        overview={overview}
        canManage={isAdmin}
        busy={busy !== null}
        confirmingCheckout={confirmingCheckout}
        onManageBilling={onManageBilling}
        {...format}
      />

      {subscription?.status === 'trialing' ? (
        <TrialStatus subscription={subscription} hasCard={overview.payment_method !== null} canManage={isAdmin} busy={busy !== null} onAddCard={onManageBilling} {...format} />
      ) : null}
      {subscription?.discount ? <DiscountNote discount={subscription.discount} {...format} /> : null}

      {subscription && isAdmin && subscription.status === 'active' && !subscription.cancel_at_period_end && !failedPayment && onPreviewPlanChange && onConfirmPlanChange && onDismissPlanChange ? (
        <PlanChangePanel subscription={subscription} plans={overview.plans} preview={planChange} busy={busy !== null}
          onPreview={onPreviewPlanChange} onConfirm={onConfirmPlanChange} onDismiss={onDismissPlanChange} onUndo={onUndoPlanChange} {...format} />
      ) : null}

      {subscription && isAdmin && onCancel && onResume && ['active', 'trialing', 'past_due'].includes(subscription.status) ? (
        // Keyed by the cancellation, so after a resume the form starts closed again.
        <CancelPanel key={String(subscription.cancel_at_period_end || !!subscription.cancel_at)} subscription={subscription} busy={busy !== null} onCancel={onCancel} onResume={onResume} {...format} />
      ) : null}

      {cancelled && overview.export.available && isAdmin ? (
        <ExportPanel link={exportLink} busy={busy === 'export'} onExport={onExport} {...format} />
      ) : null}

      {subscription === null && org.billing_status !== 'deleted' && !confirmingCheckout ? (
        <PlanChooser
          plans={overview.plans}
          heading={cancelled ? 'Subscribe again' : 'Choose a plan'}
          canChoose={isAdmin}
          busyPriceId={busyPriceId}
          disabled={busy !== null}
          onChoose={onCheckout}
          {...format}
        />
      ) : null}

      {org.stripe_customer_id && org.billing_status !== 'deleted' ? (
        <PaymentMethodCard paymentMethod={overview.payment_method} canManage={isAdmin} busy={busy !== null} onUpdate={onManageBilling} />
      ) : null}
      <PlanUsageCard usage={overview.usage} />
      <InvoicesTable invoices={overview.invoices} {...format} />
      <MembersList members={overview.members} manageHref={membersPath(overview.organization.id)} />
    </div>
  )
}
