// Money and dates as the person reads them. Stripe amounts are integers in the currency's minor unit;
// Intl knows how many fraction digits each currency has (JPY none, USD two, KWD three).

/** How the page formats: the browser's locale and time zone unless a test or caller pins them. */
export interface FormatOptions {
  locale?: string
  timeZone?: string
}

/** Formats a Stripe amount, e.g. 2900 usd → "$29.00", 3000 jpy → "¥3,000". */
export function formatMoney(minorUnits: number, currency: string, { locale }: FormatOptions = {}): string {
  const format = new Intl.NumberFormat(locale, { style: 'currency', currency: currency.toUpperCase() })
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2
  return format.format(minorUnits / 10 ** digits)
}

/** "$29.00 / month" */
export function formatPrice(minorUnits: number, currency: string, interval: string | null, options: FormatOptions = {}): string {
  const amount = formatMoney(minorUnits, currency, options)
  return interval ? `${amount} / ${interval}` : amount
}

/** "January 15, 2027"; an empty string for a missing or unreadable date. */
export function formatDate(value: string | null | undefined, { locale, timeZone }: FormatOptions = {}, style: 'long' | 'medium' = 'long'): string {
  if (!value) return ''
  const date = new Date(value)
  if (Number.isNaN(date.getTime())) return ''
  return new Intl.DateTimeFormat(locale, { dateStyle: style, timeZone }).format(date)
}

/** "January 15, 2027 at 3:04 PM", for link expiry and sync times. */
export function formatDateTime(value: string | null | undefined, { locale, timeZone }: FormatOptions = {}): string {
  if (!value) return ''
  const date = new Date(value)
  if (Number.isNaN(date.getTime())) return ''
  return new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short', timeZone }).format(date)
}

/** "past_due" → "Past due" */
export function humanize(value: string): string {
  const words = value.replace(/[_-]+/g, ' ').trim()
  return words.charAt(0).toUpperCase() + words.slice(1)
}
