// Which badge the billing page shows. The organization's billing_status is the product's own reading
// (a failed payment, a cancellation); the live subscription wins when the organization has not caught
// up with it yet (just after Checkout, or after subscribing again once cancelled).
import type { Overview } from '../api-types.ts'
import { formatDate, humanize, type FormatOptions } from './format.ts'

export type BadgeTone = 'info' | 'success' | 'danger' | 'warning' | 'neutral'

export interface StatusBadgeInfo {
  label: string
  tone: BadgeTone
}

const LABELS: Record<string, StatusBadgeInfo> = {
  trialing: { label: 'Trialing', tone: 'info' },
  active: { label: 'Active', tone: 'success' },
  payment_failed: { label: 'Payment failed', tone: 'danger' },
  past_due: { label: 'Past due', tone: 'warning' },
  unpaid: { label: 'Unpaid', tone: 'danger' },
  incomplete: { label: 'Incomplete', tone: 'warning' },
  incomplete_expired: { label: 'Expired', tone: 'neutral' },
  paused: { label: 'Paused', tone: 'neutral' },
  cancelled: { label: 'Cancelled', tone: 'neutral' },
  canceled: { label: 'Cancelled', tone: 'neutral' },
  deleted: { label: 'Deleted', tone: 'neutral' },
}

/** The status to show: billing_status, unless a live subscription says more. */
export function effectiveStatus(overview: Pick<Overview, 'organization' | 'subscription'>): string | null {
  const orgStatus = overview.organization.billing_status
  const sub = overview.subscription
  if (sub && (orgStatus === null || orgStatus === 'cancelled' || orgStatus === 'deleted')) return sub.status
  return orgStatus ?? sub?.status ?? null
}

/** The badge on the billing page; a pending cancellation outranks the status, a failed payment outranks that. */
export function statusBadge(overview: Pick<Overview, 'organization' | 'subscription'>, format: FormatOptions = {}): StatusBadgeInfo {
  const sub = overview.subscription
  const status = effectiveStatus(overview)
  if (sub?.cancel_at_period_end && status !== 'payment_failed') {
    const date = formatDate(sub.cancel_at ?? sub.current_period_end, format)
    return { label: date ? `Cancels on ${date}` : 'Cancels at period end', tone: 'warning' }
  }
  if (status === null) return { label: 'No plan', tone: 'neutral' }
  return LABELS[status] ?? { label: humanize(status), tone: 'neutral' }
}

/** Same labels for the organization list, which only has billing_status. */
export function statusLabel(status: string | null): StatusBadgeInfo {
  if (status === null) return { label: 'No plan', tone: 'neutral' }
  return LABELS[status] ?? { label: humanize(status), tone: 'neutral' }
}
