// @vitest-environment jsdom
// The invoice list's links and refund marks, and the card on file with its update action and warning.
import { cleanup, render, screen, within } from '@testing-library/react'
import { userEvent } from '@testing-library/user-event'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Overview } from '../../supabase/functions/_shared/billing/api-types.ts'
import { BillingPage } from '../../web/src/pages/billing-page.tsx'
import { active, asMember, noPlan } from './fixtures.ts'
import './dom-timeouts.ts'

afterEach(cleanup)

function renderPage(overview: Overview) {
  const handlers = { onCheckout: vi.fn(), onManageBilling: vi.fn(), onExport: vi.fn() }
  render(<BillingPage overview={overview} locale="en-US" timeZone="UTC" {...handlers} />)
  return handlers
}

const row = (number: string) => screen.getByRole('row', { name: new RegExp(number) })

describe('invoice list', () => {
  it('links each invoice to its hosted page and its PDF, in a new tab that gets no handle on the app', () => {
    renderPage(active())
    const links = within(row('ACME-0002')).getAllByRole('link')
    expect(links.map((a) => [a.textContent, a.getAttribute('href'), a.getAttribute('target')])).toEqual([
      ['View', 'https://invoice.stripe.test/i/in_2', '_blank'],
      ['PDF', 'https://invoice.stripe.test/i/in_2/pdf', '_blank'],
    ])
    for (const a of links) expect(a.getAttribute('rel')?.split(' ')).toContain('noopener')
    // An invoice Stripe has no PDF for yet shows only its page.
    expect(within(row('ACME-0001')).getAllByRole('link').map((a) => a.textContent)).toEqual(['View'])
  })

  it('marks a fully refunded invoice "Refunded" and a partly refunded one with the amount returned', () => {
    const overview = active()
    overview.invoices = [{ ...overview.invoices[0], amount_refunded: 2900 }, { ...overview.invoices[1], amount_refunded: 1000 }]
    renderPage(overview)
    expect(screen.getByTestId('refund-in_2').textContent).toBe('Refunded')
    expect(screen.getByTestId('refund-in_1').textContent).toBe('Partially refunded, $10.00')
  })

  it('marks nothing on an invoice no refund touched', () => {
    renderPage(active())
    expect(screen.queryByTestId('refund-in_2')).toBeNull()
    expect(screen.queryByText(/refunded/i)).toBeNull()
  })
})

describe('payment method', () => {
  it('shows the card on file (brand, last 4, expiry) and updates it through the portal', async () => {
    const { onManageBilling } = renderPage(active())
    const card = screen.getByTestId('payment-method')
    expect(card.textContent).toContain('Visa ending in 4242, expires 08/2030')
    expect(within(card).queryByTestId('card-expiring')).toBeNull()
    await userEvent.click(within(card).getByRole('button', { name: 'Update card' }))
    expect(onManageBilling).toHaveBeenCalledTimes(1)
  })

  it('warns when the card expires before the next renewal', () => {
    const overview = active()
    overview.payment_method = { brand: 'mastercard', last4: '4444', exp_month: 11, exp_year: 2026, expires_before_renewal: true }
    renderPage(overview)
    expect(screen.getByTestId('card-expiring').textContent).toMatch(/expires before your next renewal/)
    expect(screen.getByTestId('payment-method').textContent).toContain('Mastercard ending in 4444, expires 11/2026')
  })

  it('offers a member no update action, and says when there is no card', () => {
    const overview = asMember(active())
    overview.payment_method = null
    renderPage(overview)
    const card = screen.getByTestId('payment-method')
    expect(card.textContent).toContain('No card on file.')
    expect(within(card).queryByRole('button')).toBeNull()
  })

  it('is not shown before the organization has a Stripe customer', () => {
    renderPage(noPlan())
    expect(screen.queryByTestId('payment-method')).toBeNull()
  })
})
