// The billing route: fetches and polls the overview (useBillingOverview), performs the actions, and
// renders BillingPage or the loading and error states. The api is a prop so tests can pass a fake.
import { useEffect, useState } from 'react'
import type { CancelReason, ExportLink, PlanChangePreview } from '../api-types.ts'
import { errorMessage, type BillingApi } from '../api.ts'
import { Link } from '../components/link.tsx'
import { ErrorState, LoadingState } from '../components/page-states.tsx'
import type { FormatOptions } from '../lib/format.ts'
import { useBillingOverview, type PollOptions } from '../lib/use-billing-overview.ts'
import { BillingPage, type BusyAction } from './billing-page.tsx'

export interface BillingContainerProps extends FormatOptions, PollOptions {
  api: BillingApi
  orgId: string
  /** Sends the browser to Stripe (Checkout, the portal); tests pass a spy. */
  redirect?: (url: string) => void
}

const BUSY_TEXT: Record<string, string> = {
  checkout: 'Opening Stripe Checkout…',
  portal: 'Opening the billing portal…',
  export: 'Preparing your export…',
  cancel: 'Cancelling your subscription…',
  resume: 'Resuming your subscription…',
  preview: 'Asking Stripe what the change costs…',
  change: 'Changing your plan…',
  undo: 'Undoing the scheduled change…',
}

function leaveFor(url: string): void {
  window.location.assign(url)
}

/** Keyed by organization, so switching organizations starts from a clean state. */
export function BillingContainer(props: BillingContainerProps) {
  return <BillingView key={props.orgId} {...props} />
}

function BillingView({ api, orgId, redirect = leaveFor, pollIntervalMs, pollTimeoutMs, ...format }: BillingContainerProps) {
  const { overview, loadError, loadErrorStatus, refreshError, notice, confirmingCheckout, refresh, show } = useBillingOverview(api, orgId, { pollIntervalMs, pollTimeoutMs })
  const [busy, setBusy] = useState<BusyAction | null>(null)
  const [actionError, setActionError] = useState<string | null>(null)
  const [exportLink, setExportLink] = useState<ExportLink | null>(null)
  const [planChange, setPlanChange] = useState<PlanChangePreview | null>(null)

  useEffect(() => {
    if (overview) document.title = `Billing · ${overview.organization.name}`
  }, [overview])

  // Back from Stripe through the browser's page cache: the page is restored with its buttons disabled.
  useEffect(() => {
    const onPageShow = (event: PageTransitionEvent) => {
      if (event.persisted) setBusy(null)
    }
    window.addEventListener('pageshow', onPageShow)
    return () => window.removeEventListener('pageshow', onPageShow)
  }, [])

  async function perform(action: BusyAction, work: () => Promise<void>): Promise<void> {
    if (busy) return
    setBusy(action)
    setActionError(null)
    try {
      await work()
    } catch (error) {
      setActionError(errorMessage(error))
      setBusy(null)
    }
  }

  const onCheckout = (priceId: string) =>
    void perform(`checkout:${priceId}`, async () => redirect((await api.checkout(orgId, priceId)).url))
  const onManageBilling = () => void perform('portal', async () => redirect((await api.portal(orgId)).url))
  // An action answered in place (no redirect): the page takes the answer, then the buttons come back.
  const answerInPlace = <T,>(action: BusyAction, call: () => Promise<T>, use: (answer: T) => void) =>
    void perform(action, async () => {
      use(await call())
      setBusy(null)
    })
  const onExport = () => answerInPlace('export', () => api.requestExport(orgId), setExportLink)

  // Stripe is changed and synced before the answer: the page shows Stripe's state, not the click.
  const onCancel = (reason: CancelReason) => answerInPlace('cancel', () => api.cancel(orgId, reason), show)
  const onResume = () => answerInPlace('resume', () => api.resume(orgId), show)

  const onPreviewPlanChange = (priceId: string) => answerInPlace('preview', () => api.previewPlanChange(orgId, priceId), setPlanChange)
  const onConfirmPlanChange = (preview: PlanChangePreview) =>
    answerInPlace('change', () => api.changePlan(orgId, preview.price_id, preview.proration_date), (overview) => {
      show(overview)
      setPlanChange(null)
    })
  const onUndoPlanChange = () => answerInPlace('undo', () => api.undoPlanChange(orgId), show)

  const actions = {
    onCheckout, onManageBilling, onExport, onCancel, onResume,
    onPreviewPlanChange, onConfirmPlanChange, onDismissPlanChange: () => setPlanChange(null), onUndoPlanChange,
  }

  const busyText = busy ? BUSY_TEXT[busy.split(':')[0]] : null

  return (
    <>
      <div className="live-region" role="status" aria-live="polite">
        {notice ? (
          <div className={`notice notice-${notice.tone}`}>
            <span>{notice.text}</span>
            {notice.refreshable ? (
              <button type="button" className="button button-small button-secondary" onClick={refresh}>
                Refresh
              </button>
            ) : null}
          </div>
        ) : null}
        {busyText ? <p className="sr-only">{busyText}</p> : null}
        {refreshError && overview ? <p className="notice notice-warning">Could not refresh: {refreshError}</p> : null}
      </div>
      {overview ? (
        <BillingPage
          overview={overview}
          busy={busy}
          actionError={actionError}
          exportLink={exportLink}
          confirmingCheckout={confirmingCheckout}
          planChange={planChange}
          {...actions}
          {...format}
        />
      ) : loadError && loadErrorStatus === 404 ? (
        // No such organization for this user: trying again cannot help; their own organizations can.
        <ErrorState
          title="Organization not found"
          message="This organization does not exist, or you are not a member of it. Ask one of its admins to add you."
          action={<Link to="/orgs" className="button button-primary">Go to your organizations</Link>}
        />
      ) : loadError ? (
        <ErrorState title="We couldn't load billing" message={loadError} onRetry={refresh} />
      ) : (
        <LoadingState label="Loading billing…" />
      )}
    </>
  )
}
