// One money formatter for emails, functions and the web page (supabase/functions/_shared/money.ts), with
// zero-, two- and three-decimal currencies and Stripe's special cases (HUF and ISK amounts are in
// hundredths in Stripe's API although their notes and coins have no decimals).
import { describe, expect, test } from 'vitest'
import { formatMoney as emailMoney } from '../../supabase/functions/_shared/email/format.ts'
import { formatMoney } from '../../supabase/functions/_shared/money.ts'
import { formatMoney as webMoney } from '../../web/src/lib/format.ts'

const plain = (s: string) => s.replace(/\s/g, ' ')

const CASES: [amount: number, currency: string, shown: string][] = [
  [2900, 'usd', '$29.00'],
  [2000, 'jpy', '¥2,000'],
  [2000, 'krw', '₩2,000'],
  [1500, 'kwd', 'KWD 1.500'],
  [123456, 'bhd', 'BHD 123.456'],
  [1234500, 'huf', 'HUF 12,345'],
  [1234550, 'huf', 'HUF 12,345.50'],
  [990000, 'isk', 'ISK 9,900'],
  [150000, 'twd', 'NT$1,500.00'],
  [5000, 'ugx', 'UGX 5,000'],
]

describe('money', () => {
  test.each(CASES)('%i %s reads %s', (amount, currency, shown) => {
    expect(plain(formatMoney(amount, currency, 'en-US'))).toBe(shown)
  })

  test('the emails and the web page format every amount the same way, by the same function', () => {
    for (const [amount, currency, shown] of CASES) {
      expect(plain(emailMoney(amount, currency))).toBe(shown)
      expect(plain(webMoney(amount, currency, { locale: 'en-US' }))).toBe(shown)
    }
  })

  test('the currency code may come in either case, and the locale is honoured', () => {
    expect(formatMoney(2900, 'USD', 'en-US')).toBe('$29.00')
    expect(plain(formatMoney(123456, 'eur', 'de-DE'))).toBe('1.234,56 €')
  })
})
