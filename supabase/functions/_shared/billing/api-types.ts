// The billing function's JSON shapes (supabase/functions/billing): the contract between the function
// and the web app (web/src/api-types.ts re-exports it). Kept free of DOM, React and Deno imports so
// both sides, and the tests, type-check against the same file.

type Role = 'admin' | 'member'

/** The organization's billing state as the product sees it (set by the sync and the workflows). */
type BillingStatus = 'trialing' | 'active' | 'payment_failed' | 'past_due' | 'paused' | 'cancelled' | 'deleted'

type BillingInterval = 'month' | 'year'

/** One row of `GET /organizations`: enough to route and to fill the organization switcher. */
export interface OrganizationSummary {
  id: string
  name: string
  role: Role
  billing_status: string | null
  plan_name: string | null
}

interface Organization {
  id: string
  name: string
  billing_email: string | null
  billing_status: BillingStatus | null
  plan_name: string | null
  price_id: string | null
  next_billing_at: string | null
  trial_ends_at: string | null
  cancelled_at: string | null
  /** When a cancelled organization's personal data will be deleted (the scheduled deletion), else null. */
  data_deletion_at: string | null
  last_payment_failed_at: string | null
  stripe_customer_id: string | null
  stripe_synced_at: string | null
}

/** The live subscription (trialing, active, past_due, unpaid or incomplete); amounts in minor units. */
export interface Subscription {
  id: string
  status: string
  price_id: string | null
  product_name: string | null
  nickname: string | null
  unit_amount: number | null
  currency: string | null
  interval: BillingInterval | null
  quantity: number | null
  current_period_end: string | null
  trial_end: string | null
  cancel_at_period_end: boolean
  cancel_at: string | null
  canceled_at: string | null
  /** A plan change scheduled for the period's end (a downgrade), which the page shows and can undo. */
  scheduled_change: ScheduledChange | null
  /** What Stripe does if the trial ends with no payment method on file (trial_settings.end_behavior). */
  trial_end_behavior: 'pause' | 'cancel' | 'create_invoice' | null
  /** The discount on the subscription (from a promotion code or coupon), or null. */
  discount: SubscriptionDiscount | null
}

/** A change Stripe will make at the end of the current period (a subscription schedule's next phase). */
export interface ScheduledChange {
  schedule_id: string
  price_id: string
  product_name: string
  unit_amount: number | null
  quantity: number
  /** When it takes effect (the current period's end). */
  at: string
}

/** A discount on the subscription: what it takes off and until when (`ends_at` null: forever or once). */
export interface SubscriptionDiscount {
  name: string
  percent_off: number | null
  /** Minor units of `currency`. */
  amount_off: number | null
  currency: string | null
  duration: 'once' | 'repeating' | 'forever'
  ends_at: string | null
  /** The code the customer typed, when it came from a promotion code. */
  promotion_code: string | null
}

/** The open invoice whose last payment attempt failed, so the page can ask for payment. */
export interface FailedPayment {
  invoice_id: string
  number: string | null
  amount_due: number
  amount_remaining: number
  currency: string
  hosted_invoice_url: string | null
  next_payment_attempt: string | null
}

export interface Invoice {
  id: string
  number: string | null
  status: string | null
  amount_due: number
  amount_paid: number
  currency: string
  created: string | null
  hosted_invoice_url: string | null
  invoice_pdf: string | null
  /** What refunds that succeeded returned of this invoice's payments (0 when none): the page says "Refunded" when it is all of amount_paid. */
  amount_refunded: number
}

/** The card Stripe charges (the subscription's default payment method, else the customer's). */
export interface PaymentMethod {
  brand: string
  last4: string
  exp_month: number
  exp_year: number
  /** The card expires before the next renewal charges it (the end of its expiry month is before then). */
  expires_before_renewal: boolean
}

/** A pending invitation as admins see it (never its token). */
export interface Invitation {
  id: string
  email: string
  role: Role
  expires_at: string
  sent_count: number
  /** Its link no longer works: resend it. */
  expired: boolean
}

/** GET /organizations/:org/members: who belongs, and (for admins) who is invited. */
export interface MembersView {
  organization: { id: string; name: string }
  role: Role
  /** The caller's user id, so the page can tell "you" apart. */
  you: string
  members: Member[]
  invitations: Invitation[]
  /** The plan's counted limits with usage ("2 of 5 seats"), as on the billing page. */
  usage: PlanUsage[]
}

export interface Member {
  user_id: string
  email: string | null
  full_name: string | null
  role: Role
}

/** A price the organization can subscribe to; `limits` come from Stripe metadata (`null` = unlimited). */
export interface Plan {
  price_id: string
  product_id: string
  product_name: string
  nickname: string | null
  unit_amount: number
  currency: string
  interval: BillingInterval
  limits: Record<string, unknown>
}

/**
 * One counted limit of the organization's plan with its usage ("3 of 5 seats"), from SQL's
 * public.plan_usage (read as the caller), which reads the limit the way enforcement does.
 */
export interface PlanUsage {
  /** `seats` (members + pending invitations) or `projects`. */
  name: string
  in_use: number
  /** null: unlimited; 0: not in the plan. */
  limit: number | null
  /** How far usage is above the limit (after a downgrade): that many must go before a new one fits. */
  over_by: number
}

/** Everything the billing page shows, in one response (`GET /organizations/:id`). */
export interface Overview {
  organization: Organization
  role: Role
  subscription: Subscription | null
  failed_payment: FailedPayment | null
  /** The card on file, from Stripe via the sync; null when Stripe has none (or none that is a card). */
  payment_method: PaymentMethod | null
  invoices: Invoice[]
  members: Member[]
  plans: Plan[]
  /** The plan's counted limits with usage (empty for someone the organization does not show them to). */
  usage: PlanUsage[]
  /** A sync of this customer is queued or running: the page polls until it is false. */
  pending: boolean
  export: { available: boolean }
}

export interface OrganizationsResponse {
  organizations: OrganizationSummary[]
}

export interface CreateOrganizationResponse {
  organization: OrganizationSummary
}

/** A Stripe-hosted page (Checkout or the customer portal) to send the browser to. */
export interface RedirectResponse {
  url: string
}

export interface SyncResponse {
  /** False when this customer was synced moments ago and the overview is read as it is. */
  synced?: boolean
  overview: Overview
}

/** After a change in Stripe (cancel, resume), synced at once: the billing page as it now is. */
export interface ChangeResponse {
  overview: Overview
}

/** What a plan change will cost, from Stripe's invoice preview (`POST .../plan-change/preview`). */
export interface PlanChangePreview {
  price_id: string
  /** Units billed on the new price: the seats in use for a per-seat price, else 1. */
  quantity: number
  /** An upgrade is billed now for the rest of the period; a downgrade is scheduled for the period's end. */
  direction: 'upgrade' | 'downgrade'
  currency: string
  /** Charged at once (the prorated difference), in minor units. */
  due_now: number
  /** The next renewal's amount, in minor units, on next_invoice_at. */
  next_invoice_amount: number
  next_invoice_at: string | null
  /** Pass back to apply the change priced exactly as previewed (valid 15 minutes). */
  proration_date: number
}

/** Stripe's reasons a customer can give for cancelling (cancellation_details.feedback). */
export type CancelFeedback = 'customer_service' | 'low_quality' | 'missing_features' | 'other' | 'switched_service' | 'too_complex' | 'too_expensive' | 'unused'

/** The body of `POST .../cancel`: the customer's reason, both parts optional. */
export interface CancelReason {
  feedback?: CancelFeedback
  comment?: string
}

/** A signed, expiring download link for the organization's GDPR export. */
export interface ExportLink {
  url: string
  expires_at: string
}

/** Every error response, of every function (one shape, built in ../http.ts). */
export type { ApiErrorBody } from '../error-body.ts'
