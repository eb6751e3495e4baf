// Money and dates as customers read them in emails. Money has one formatter for emails, functions and
// the web app (../money.ts), re-exported here for the templates.

import { formatMoney as formatAmount } from '../money.ts'

/** A Stripe amount as emails show it (en-US unless told otherwise), by the product's one formatter. */
export function formatMoney(minorUnits: number, currency: string, locale = 'en-US'): string {
  return formatAmount(minorUnits, currency, locale)
}

/** A date as "November 22, 2026" in the given time zone (UTC unless told otherwise). */
export function formatDate(value: string | number | Date, locale = 'en-US', timeZone = 'UTC'): string {
  const key = `${locale}|${timeZone}`
  let f = dateFormats.get(key)
  if (!f) dateFormats.set(key, f = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone }))
  return f.format(new Date(value))
}
/** Built once per locale and time zone: an Intl formatter costs far more to build than to use. */
const dateFormats = new Map<string, Intl.DateTimeFormat>()

/**
 * A price's billing cycle for the confirmation email: `month` / `year` (the template says monthly /
 * yearly), or `3 months`, `30 days` when the interval count is more than one ("billed every 3 months").
 */
export function billingCycle(recurring: { interval?: string; interval_count?: number } | null | undefined): string | null {
  if (!recurring?.interval) return null
  const count = recurring.interval_count ?? 1
  return count > 1 ? `${count} ${recurring.interval}s` : recurring.interval
}
