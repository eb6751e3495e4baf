// Amounts in Stripe's minor units, formatted per currency.
import { describe, expect, test } from 'vitest'
import { billingCycle, formatDate, formatMoney } from '../../supabase/functions/_shared/email/format.ts'

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

describe('billing cycles', () => {
  test('a one-month price is "month" and a quarterly one "3 months"', () => {
    expect(billingCycle({ interval: 'month', interval_count: 1 })).toBe('month')
    expect(billingCycle({ interval: 'month', interval_count: 3 })).toBe('3 months')
    expect(billingCycle({ interval: 'day', interval_count: 30 })).toBe('30 days')
    expect(billingCycle(null)).toBeNull()
  })
})

