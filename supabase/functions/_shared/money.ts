// Money as people read it: the one formatter of Stripe amounts, used by the emails, the functions and the
// web app (which imports this file; it has no imports, so it runs anywhere). Stripe amounts are integers
// in the currency's minor unit as *Stripe* counts it, which is not always ISO's: HUF and ISK amounts are
// in hundredths in the API although Intl shows them without decimals, so dividing by Intl's digits showed
// them 100 times too large.

/** Stripe's zero-decimal currencies: the amount is already in major units. */
const ZERO_DECIMAL = new Set(['bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf'])
/** Three-decimal currencies: the amount is in thousandths. */
const THREE_DECIMAL = new Set(['bhd', 'jod', 'kwd', 'omr', 'tnd'])

/** How many decimals Stripe's amounts of this currency carry (0, 2 or 3). */
function minorUnitExponent(currency: string): number {
  const c = currency.toLowerCase()
  return ZERO_DECIMAL.has(c) ? 0 : THREE_DECIMAL.has(c) ? 3 : 2
}

/** Intl formatters are costly to build (a receipt formats several amounts): one per set of options. */
const formatters = new Map<string, Intl.NumberFormat>()
function numberFormat(locale: string | undefined, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${locale ?? ''}|${JSON.stringify(options)}`
  let f = formatters.get(key)
  if (!f) formatters.set(key, f = new Intl.NumberFormat(locale, options))
  return f
}

/**
 * Formats a Stripe amount (minor units) in its currency: 2000 usd → "$20.00", 2000 jpy → "¥2,000",
 * 1500 kwd → "KWD 1.500", 12300 isk → "ISK 123". Decimals the currency does not show (ISK, HUF) appear
 * only when the amount has them.
 */
export function formatMoney(minorUnits: number, currency: string, locale?: string): string {
  const exponent = minorUnitExponent(currency)
  const code = currency.toUpperCase()
  const shown = numberFormat(locale, { style: 'currency', currency: code }).resolvedOptions().maximumFractionDigits ?? exponent
  // A currency shown without decimals keeps them off for whole amounts, and shows all of them otherwise.
  const whole = minorUnits % 10 ** exponent === 0
  return numberFormat(locale, {
    style: 'currency',
    currency: code,
    minimumFractionDigits: whole ? Math.min(shown, exponent) : exponent,
    maximumFractionDigits: exponent,
  }).format(minorUnits / 10 ** exponent)
}
