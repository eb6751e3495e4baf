// A plan's free trial, as the catalogue sets it (supabase/stripe-catalog.json → product metadata
// `trial_days`, written by npm run stripe:setup): the one reading of that metadata, for Checkout.
import type postgres from 'postgres'

/** Stripe accepts trials of 1 to 730 days; anything else (absent, 0, not a number) means none. */
export function parseTrialDays(value: unknown): number {
  const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : 0
  return n >= 1 && n <= 730 ? n : 0
}

/** The trial days of the price's product in the mirror (0 when it has none). */
export async function trialDaysOf(sql: postgres.Sql, priceId: string): Promise<number> {
  const [row] = await sql<{ days: string | null }[]>`
    select pr.metadata->>'trial_days' as days
    from public.stripe_prices p join public.stripe_products pr on pr.id = p.product_id
    where p.id = ${priceId}`
  return parseTrialDays(row?.days)
}
