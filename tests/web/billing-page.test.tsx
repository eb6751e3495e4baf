// @vitest-environment jsdom
// BillingPage drawn from fixture overviews: what a customer sees in each billing state.
import { cleanup, render, screen, within } from '@testing-library/react'
import { userEvent } from '@testing-library/user-event'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Overview } from '../../supabase/functions/_shared/billing/api-types.ts'
import { BillingPage, type BillingPageProps } from '../../web/src/pages/billing-page.tsx'
import { active, asMember, cancelled, noPlan, paymentFailed, subscription, trialing } from './fixtures.ts'
import './dom-timeouts.ts'

afterEach(cleanup)

function renderPage(overview: Overview, props: Partial<BillingPageProps> = {}) {
  const handlers = { onCheckout: vi.fn(), onManageBilling: vi.fn(), onExport: vi.fn() }
  render(<BillingPage overview={overview} locale="en-US" timeZone="UTC" {...handlers} {...props} />)
  return handlers
}

const badge = () => screen.getByTestId('status-badge').textContent
const button = (name: string) => screen.queryByRole('button', { name })

describe('BillingPage', () => {
  it('shows a trialing subscription with the Trialing badge and the date the trial ends', () => {
    renderPage(trialing())
    expect(badge()).toBe('Trialing')
    expect(screen.getByText('Trial ends').nextElementSibling?.textContent).toBe('December 1, 2026')
    expect(screen.queryByText('Next billing date')).toBeNull()
  })

  it('says a paused trial has ended and offers to add a payment method, with no failed-payment banner', async () => {
    const base = trialing()
    const paused: Overview = { ...base, organization: { ...base.organization, billing_status: 'paused' }, subscription: subscription({ status: 'paused', trial_end: '2026-11-20T12:00:00Z' }) }
    const handlers = renderPage(paused)
    expect(screen.getByTestId('trial-ended-banner').textContent).toContain('Your trial has ended — add a payment method to continue')
    expect(screen.queryByTestId('payment-failed-banner')).toBeNull()
    expect(badge()).toBe('Paused')
    await userEvent.click(screen.getByRole('button', { name: 'Add payment method' }))
    expect(handlers.onManageBilling).toHaveBeenCalledTimes(1)
    cleanup()
    renderPage(asMember(paused))
    expect(screen.getByTestId('trial-ended-banner').textContent).toContain('Ask an admin')
    expect(button('Add payment method')).toBeNull()
  })

  it('shows an active subscription with its plan, its price per month and the next billing date', () => {
    renderPage(active())
    expect(badge()).toBe('Active')
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Acme Inc.')
    expect(screen.getByTestId('plan-name').textContent).toBe('Pro')
    expect(screen.getByTestId('plan-price').textContent).toBe('$29.00 / month')
    expect(screen.getByText('Next billing date').nextElementSibling?.textContent).toBe('December 15, 2026')
    expect(button('Manage billing')).not.toBeNull()
    expect(screen.queryByTestId('payment-failed-banner')).toBeNull()
  })

  it('writes a yearly price as "/ year" and shows the quantity', () => {
    const overview = active()
    overview.subscription = subscription({ unit_amount: 29000, interval: 'year', quantity: 3 })
    renderPage(overview)
    expect(screen.getByTestId('plan-price').textContent).toBe('$290.00 / year × 3')
  })

  it('says when a subscription set to cancel at period end will cancel', () => {
    const overview = active()
    overview.subscription = subscription({ cancel_at_period_end: true, cancel_at: '2027-01-15T12:00:00Z' })
    renderPage(overview)
    expect(badge()).toBe('Cancels on January 15, 2027')
    expect(screen.getByText('Access until').nextElementSibling?.textContent).toBe('January 15, 2027')
  })

  it('opens the portal from Manage billing', async () => {
    const { onManageBilling } = renderPage(active())
    await userEvent.click(screen.getByRole('button', { name: 'Manage billing' }))
    expect(onManageBilling).toHaveBeenCalledTimes(1)
  })

  it('warns of a failed payment with its amount, a Pay now link to the invoice and Update payment method', async () => {
    const { onManageBilling } = renderPage(paymentFailed())
    const banner = screen.getByTestId('payment-failed-banner')
    expect(banner.getAttribute('role')).toBe('alert')
    expect(banner.textContent).toContain('Your payment of $49.50 failed')
    expect(banner.textContent).toContain('December 18, 2026')
    expect(within(banner).getByRole('link', { name: /^Pay now/ }).getAttribute('href')).toBe('https://invoice.stripe.test/i/in_3/pay')
    await userEvent.click(within(banner).getByRole('button', { name: 'Update payment method' }))
    expect(onManageBilling).toHaveBeenCalledTimes(1)
    expect(badge()).toBe('Payment failed')
  })

  it("opens Stripe's invoice page from Pay now in a new tab, so the app stays open", () => {
    renderPage(paymentFailed())
    const pay = within(screen.getByTestId('payment-failed-banner')).getByRole('link', { name: /^Pay now/ })
    expect(pay.getAttribute('target')).toBe('_blank')
    expect(pay.getAttribute('rel')).toContain('noopener')
    expect(pay.textContent).toContain('new tab')
  })

  it('during a failed payment shows the amount due now instead of the next billing date', () => {
    renderPage(paymentFailed())
    const facts = screen.getByTestId('key-date').closest('div')!
    expect(facts.textContent).toBe('Payment due$49.50 now')
    expect(screen.queryByText('Next billing date')).toBeNull()
  })

  it('shows a cancelled organization as Cancelled and lets an admin download its data', async () => {
    const { onExport } = renderPage(cancelled())
    expect(badge()).toBe('Cancelled')
    expect(screen.getByText('Cancelled on').nextElementSibling?.textContent).toBe('December 20, 2026')
    expect(button('Manage billing')).toBeNull()
    await userEvent.click(screen.getByRole('button', { name: 'Download my data' }))
    expect(onExport).toHaveBeenCalledTimes(1)
    expect(screen.queryByTestId('export-link')).toBeNull()
  })

  it('tells a cancelled organization when its data will be deleted', () => {
    renderPage(cancelled())
    expect(screen.getByTestId('deletion-date').textContent).toBe('January 19, 2027')
    expect(screen.getByTestId('deletion-date').closest('div')!.textContent).toContain('Data deleted on')
  })

  it('shows the export link once the export is ready', () => {
    renderPage(cancelled(), { exportLink: { url: 'http://127.0.0.1:54321/functions/v1/export-download?token=abc', expires_at: '2026-12-27T08:00:00Z' } })
    const link = screen.getByTestId('export-link')
    expect(link.textContent).toBe('Your export is ready — download')
    expect(link.getAttribute('href')).toBe('http://127.0.0.1:54321/functions/v1/export-download?token=abc')
    expect(link.hasAttribute('download')).toBe(true)
    expect(document.activeElement).toBe(link)
  })

  it('hides Download my data from members of a cancelled organization', () => {
    renderPage(asMember(cancelled()))
    expect(badge()).toBe('Cancelled')
    expect(button('Download my data')).toBeNull()
    expect(screen.getByText('Only admins can change billing.')).not.toBeNull()
  })

  it('offers every plan to an organization without a subscription, and Choose starts checkout with its price', async () => {
    const { onCheckout } = renderPage(noPlan())
    expect(badge()).toBe('No plan')
    expect(button('Choose Starter')).not.toBeNull()
    expect(button('Manage billing')).toBeNull()
    const pro = screen.getByRole('button', { name: 'Choose Pro' })
    expect(within(pro.closest('li')!).getByText('$29.00').textContent).toBe('$29.00')
    await userEvent.click(pro)
    expect(onCheckout).toHaveBeenCalledExactlyOnceWith('price_pro_m')
  })

  it('does not offer the plans again while a payment from Checkout is being confirmed', () => {
    renderPage(noPlan(), { confirmingCheckout: true })
    expect(screen.queryAllByRole('button', { name: /^Choose / })).toHaveLength(0)
    expect(screen.getByText('Your new plan will appear here as soon as Stripe confirms the payment.')).not.toBeNull()
  })

  it('offers the plans again after a cancellation', () => {
    renderPage(cancelled())
    expect(screen.getByRole('heading', { name: 'Subscribe again' })).not.toBeNull()
    expect(button('Choose Pro')).not.toBeNull()
  })

  it('disables the plan buttons while a checkout is being opened', () => {
    renderPage(noPlan(), { busy: 'checkout:price_pro_m' })
    expect((button('Choose Pro') as HTMLButtonElement).disabled).toBe(true)
    expect((button('Choose Starter') as HTMLButtonElement).disabled).toBe(true)
  })

  it('formats zero-decimal currencies such as JPY without dividing by 100', () => {
    const overview = active()
    overview.subscription = subscription({ unit_amount: 3000, currency: 'jpy' })
    overview.invoices = [{ ...overview.invoices[0], amount_due: 3000, amount_paid: 3000, currency: 'jpy' }]
    overview.failed_payment = { ...paymentFailed().failed_payment!, amount_due: 3000, currency: 'jpy' }
    renderPage(overview)
    expect(screen.getByTestId('plan-price').textContent).toBe('¥3,000 / month')
    expect(screen.getByTestId('payment-failed-banner').textContent).toContain('Your payment of ¥3,000 failed')
    expect(within(screen.getByTestId('invoices')).getByText('¥3,000')).not.toBeNull()
  })

  it('hides every billing action from a member and says only admins can change billing', () => {
    renderPage(asMember(paymentFailed()))
    expect(screen.getByText('Only admins can change billing.')).not.toBeNull()
    expect(button('Manage billing')).toBeNull()
    expect(button('Update payment method')).toBeNull()
    expect(screen.getByRole('link', { name: /^Pay now/ })).not.toBeNull()
    cleanup()
    renderPage(asMember(noPlan()))
    expect(screen.getByText('Pro')).not.toBeNull()
    expect(screen.queryAllByRole('button', { name: /^Choose / })).toHaveLength(0)
  })

  it('does not show the admins-only note to an admin', () => {
    renderPage(active())
    expect(screen.queryByText('Only admins can change billing.')).toBeNull()
  })

  it('lists invoices with number, date, amount, status and a link to the hosted invoice', () => {
    renderPage(active())
    const rows = within(screen.getByTestId('invoices')).getAllByRole('row').slice(1)
    expect(rows).toHaveLength(2)
    const cells = within(rows[0]).getAllByRole('cell').map((cell) => cell.textContent)
    expect(within(rows[0]).getByRole('rowheader').textContent).toBe('ACME-0002')
    expect(cells.slice(0, 3)).toEqual(['Nov 15, 2026', '$29.00', 'Paid'])
    expect(within(rows[0]).getByRole('link', { name: /View invoice ACME-0002/ }).getAttribute('href')).toBe('https://invoice.stripe.test/i/in_2')
  })

  it('shows an empty state when there are no invoices', () => {
    renderPage(trialing())
    const invoices = screen.getByTestId('invoices')
    expect(invoices.textContent).toContain('No invoices yet')
    expect(within(invoices).queryByRole('table')).toBeNull()
  })

  it('lists the members with their roles', () => {
    renderPage(active())
    const items = within(screen.getByTestId('members')).getAllByRole('listitem')
    expect(items).toHaveLength(2)
    expect(within(items[0]).getByText('Ada Lovelace')).not.toBeNull()
    expect(within(items[0]).getByText('Admin')).not.toBeNull()
    expect(within(items[1]).getByText('grace@acme.test')).not.toBeNull()
    expect(within(items[1]).getByText('Member')).not.toBeNull()
  })

  it('shows the last action error as an alert', () => {
    renderPage(noPlan(), { actionError: 'This organization already has a subscription.' })
    expect(screen.getAllByRole('alert').map((a) => a.textContent)).toContain('This organization already has a subscription.')
  })
})
