// Money and dates as the person reads them. Money is formatted by the product's one formatter
// (supabase/functions/_shared/money.ts): Stripe's minor units are not always Intl's (HUF, ISK).
import { formatMoney as formatStripeAmount } from '../../../supabase/functions/_shared/money.ts'

/** How the page formats: the browser's locale and time zone unless a test or caller pins them. */
export interface FormatOptions {
  locale?: string
  timeZone?: string
}

/** A Stripe amount in the page's locale, by the one formatter the emails and functions use too. */
export function formatMoney(minorUnits: number, currency: string, { locale }: FormatOptions = {}): string {
  return formatStripeAmount(minorUnits, currency, locale)
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
