// Amounts in Stripe's minor units, formatted per currency.
import { describe, expect, test } from 'vitest'
import { formatDate, formatMoney } from '../../supabase/functions/_shared/email/format.ts'

// Intl separates with non-breaking spaces; compare them as plain spaces.
const plain = (s: string) => s.replace(/\s/g, ' ')

describe('money and dates', () => {
  test('USD amounts are cents', () => expect(formatMoney(2000, 'usd')).toBe('$20.00'))
  test('EUR amounts are cents, in the locale asked for', () => expect(plain(formatMoney(123456, 'eur', 'de-DE'))).toBe('1.234,56 €'))
  test('JPY is a zero-decimal currency and is not divided by 100', () => expect(formatMoney(2000, 'jpy')).toBe('¥2,000'))
  test('KWD has three decimals', () => expect(plain(formatMoney(1500, 'kwd'))).toBe('KWD 1.500'))
  test('dates are written out in UTC unless another zone is given', () => {
    expect(formatDate('2026-11-22T23:30:00Z')).toBe('November 22, 2026')
    expect(formatDate('2026-11-22T23:30:00Z', 'en-US', 'Asia/Tokyo')).toBe('November 23, 2026')
  })
})
