// Money and dates as customers read them. Stripe amounts are in the currency's minor unit: most
// currencies have two decimals, Stripe's zero-decimal ones (JPY, KRW, ...) none, a few three.

/** Stripe's zero-decimal currencies: the amount is already in major units. */
export const ZERO_DECIMAL = new Set(['bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf'])
/** Three-decimal currencies: the amount is in thousandths. */
export const THREE_DECIMAL = new Set(['bhd', 'jod', 'kwd', 'omr', 'tnd'])

export function minorUnitExponent(currency: string): number {
  const c = currency.toLowerCase()
  return ZERO_DECIMAL.has(c) ? 0 : THREE_DECIMAL.has(c) ? 3 : 2
}

/** Formats a Stripe amount (minor units) in its currency, e.g. 2000 usd → "$20.00", 2000 jpy → "¥2,000". */
export function formatMoney(minorUnits: number, currency: string, locale = 'en-US'): string {
  const exponent = minorUnitExponent(currency)
  return new Intl.NumberFormat(locale, {
    style: 'currency',
    currency: currency.toUpperCase(),
    minimumFractionDigits: exponent,
    maximumFractionDigits: exponent,
  }).format(minorUnits / 10 ** exponent)
}

/** A date as "November 22, 2026" in the given time zone (UTC unless told otherwise). */
export function formatDate(value: string | number | Date, locale = 'en-US', timeZone = 'UTC'): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone }).format(new Date(value))
}

/**
 * A price's billing cycle for the confirmation email: `month` / `year` (the template says monthly /
 * yearly), or `3 months`, `30 days` when the interval count is more than one ("billed every 3 months").
 */
export function billingCycle(recurring: { interval?: string; interval_count?: number } | null | undefined): string | null {
  if (!recurring?.interval) return null
  const count = recurring.interval_count ?? 1
  return count > 1 ? `${count} ${recurring.interval}s` : recurring.interval
}
