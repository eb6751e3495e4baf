// The trial-ending email says what the end of the trial will do (charge the card on file, or without
// one pause or cancel as Stripe's trial_settings say); the receipt has a discount line when a code or
// coupon took something off.
import { describe, expect, test } from 'vitest'
import { renderEmail } from '../../supabase/functions/_shared/email/render.ts'

const trial = { organizationName: 'Acme Inc.', trialEndsAt: '2026-12-06T00:00:00Z', plan: 'Pro', manageBillingUrl: 'http://127.0.0.1:3000/billing/x' }
const receipt = { organizationName: 'Acme Inc.', invoiceNumber: 'ACME-0042', amountPaid: 1600, currency: 'usd', paidAt: '2026-11-22T10:00:00Z' }

describe('trial and discount emails', () => {
  test('no card and pause: the subscription will be paused, and the button adds a payment method', async () => {
    const r = await renderEmail('trial_ending', { ...trial, endBehavior: 'pause', cardOnFile: false })
    expect(r.text).toContain('your subscription will be paused when the trial ends')
    expect(r.text).toContain('Add a payment method')
  })

  test('no card and cancel: the subscription will be cancelled', async () => {
    const r = await renderEmail('trial_ending', { ...trial, endBehavior: 'cancel', cardOnFile: false })
    expect(r.text).toContain('your subscription will be cancelled when the trial ends')
    expect(r.text).not.toContain('paused')
  })

  test('a card on file: it is charged when the trial ends, whatever the end behaviour', async () => {
    const r = await renderEmail('trial_ending', { ...trial, endBehavior: 'cancel', cardOnFile: true })
    expect(r.text).toContain('the payment method on file is charged then')
    expect(r.text).not.toContain('cancelled')
  })

  test('a receipt with a discount shows its line; one without shows none', async () => {
    const discounted = await renderEmail('receipt', { ...receipt, discount: { label: 'Launch', amount: 400 } })
    expect(discounted.text).toContain('Discount (Launch): −$4.00')
    expect(discounted.text).toContain('Amount paid: $16.00')
    const plain = await renderEmail('receipt', receipt)
    expect(plain.text).not.toContain('Discount')
  })

  test('a discount of nothing is refused (Stripe lists only discounts that took something off)', async () => {
    await expect(renderEmail('receipt', { ...receipt, discount: { label: 'Launch', amount: 0 } })).rejects.toThrow(/invalid props: discount/)
  })
})
