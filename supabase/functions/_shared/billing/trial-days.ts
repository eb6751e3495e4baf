// A plan's free trial, as the catalogue sets it (supabase/stripe-catalog.json → product metadata
// `trial_days`, `trial_without_card`, `trial_end_behavior`, written by npm run stripe:setup): the one
// reading of that metadata, for Checkout.
import type postgres from 'postgres'

/** What Stripe does when the trial ends without a payment method (trial_settings.end_behavior). */
type TrialEndBehavior = 'pause' | 'cancel'

export interface TrialTerms {
  days: number
  /** Checkout may complete without a card (payment_method_collection=if_required). */
  withoutCard: boolean
  endBehavior: TrialEndBehavior
}

/** Stripe accepts trials of 1 to 730 days; anything else (absent, 0, not a number) means none. */
export function parseTrialDays(value: unknown): number {
  const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : 0
  return n >= 1 && n <= 730 ? n : 0
}

/** The terms in a product's metadata; a trial without a card only with days, and pause unless it says cancel. */
export function parseTrialTerms(metadata: Record<string, unknown> | null | undefined): TrialTerms {
  const days = parseTrialDays(metadata?.trial_days)
  return { days, withoutCard: days > 0 && metadata?.trial_without_card === 'true', endBehavior: metadata?.trial_end_behavior === 'cancel' ? 'cancel' : 'pause' }
}

/** The trial terms of the price's product in the mirror (no days when it has none). */
export async function trialTermsOf(sql: postgres.Sql, priceId: string): Promise<TrialTerms> {
  const [row] = await sql<{ metadata: Record<string, unknown> | null }[]>`
    select pr.metadata from public.stripe_prices p join public.stripe_products pr on pr.id = p.product_id
    where p.id = ${priceId}`
  return parseTrialTerms(row?.metadata)
}

/** A mirrored subscription's trial_settings.end_behavior.missing_payment_method (raw object), if known. */
export function trialEndBehavior(raw: unknown): 'pause' | 'cancel' | 'create_invoice' | null {
  const v = (raw as { trial_settings?: { end_behavior?: { missing_payment_method?: unknown } } } | null)?.trial_settings?.end_behavior?.missing_payment_method
  return v === 'pause' || v === 'cancel' || v === 'create_invoice' ? v : null
}
