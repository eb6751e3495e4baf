// @vitest-environment jsdom
// The trial card (days left, card on file, what the end of the trial does without one, "Add a card")
// and the discount card (what a promotion code takes off and until when) on the billing page.
import { cleanup, render, screen, waitFor, within } from '@testing-library/react'
import { userEvent } from '@testing-library/user-event'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Overview, SubscriptionDiscount } from '../../web/src/api-types.ts'
import { trialDaysLeft } from '../../web/src/components/trial-status.tsx'
import { BillingContainer } from '../../web/src/pages/billing-container.tsx'
import { BillingPage } from '../../web/src/pages/billing-page.tsx'
import { fakeApi } from './fake-api.ts'
import { active, asMember, noPlan, ORG_ID, subscription, trialing } from './fixtures.ts'
import './dom-timeouts.ts'

afterEach(cleanup)

function cardless(behaviour: 'pause' | 'cancel'): Overview {
  const base = trialing()
  return { ...base, payment_method: null, subscription: { ...base.subscription!, trial_end_behavior: behaviour } }
}

function page(overview: Overview) {
  const handlers = { onCheckout: vi.fn(), onManageBilling: vi.fn(), onExport: vi.fn() }
  render(<BillingPage overview={overview} locale="en-US" timeZone="UTC" {...handlers} />)
  return handlers
}

const discount = (d: Partial<SubscriptionDiscount> = {}): SubscriptionDiscount => ({
  name: 'Launch', percent_off: 20, amount_off: null, currency: null, duration: 'repeating', ends_at: '2027-03-01T00:00:00Z', promotion_code: 'LAUNCH20', ...d,
})

describe('the trial on the billing page', () => {
  it('counts the days left, rounding a part day up and never below zero', () => {
    const now = new Date('2026-11-24T12:00:00Z')
    expect([trialDaysLeft('2026-12-01T09:00:00Z', now), trialDaysLeft('2026-11-24T15:00:00Z', now), trialDaysLeft('2026-11-20T00:00:00Z', now)]).toEqual([7, 1, 0])
  })

  it('without a card and pause at the end: says No card and that the subscription will be paused, and offers "Add a card" through the portal', async () => {
    const { onManageBilling } = page(cardless('pause'))
    expect(screen.getByTestId('trial-card').textContent).toBe('No')
    expect(screen.getByTestId('trial-end-behavior').textContent).toBe('No card is on file: on December 1, 2026 your subscription will be paused, and access stops until you add one.')
    await userEvent.click(within(screen.getByTestId('trial-status')).getByRole('button', { name: 'Add a card' }))
    expect(onManageBilling).toHaveBeenCalledOnce()
  })

  it('without a card and cancel at the end: says the subscription will be cancelled', () => {
    page(cardless('cancel'))
    expect(screen.getByTestId('trial-end-behavior').textContent).toContain('your subscription will be cancelled unless you add one')
  })

  it('with a card on file: says Yes, the card is charged at the end, and offers no "Add a card" in the trial card', () => {
    page({ ...trialing(), subscription: { ...trialing().subscription!, trial_end_behavior: 'pause' } })
    expect(screen.getByTestId('trial-card').textContent).toBe('Yes')
    expect(screen.getByTestId('trial-end-behavior').textContent).toBe('On December 1, 2026 your card is charged and the plan continues.')
    expect(within(screen.getByTestId('trial-status')).queryByRole('button', { name: 'Add a card' })).toBeNull()
  })

  it('a member sees the trial but no button to add a card', () => {
    page(asMember(cardless('pause')))
    expect(screen.getByTestId('trial-days-left')).toBeTruthy()
    expect(within(screen.getByTestId('trial-status')).queryByRole('button', { name: 'Add a card' })).toBeNull()
  })

  it('an active subscription has no trial card', () => {
    page(active())
    expect(screen.queryByTestId('trial-status')).toBeNull()
  })
})

describe('the discount on the billing page', () => {
  it('a repeating promotion code: its name, code, percent and end date', () => {
    page({ ...active(), subscription: subscription({ discount: discount() }) })
    expect(screen.getByTestId('discount').textContent).toContain('Launch (code LAUNCH20): 20% off on invoices until March 1, 2027.')
  })

  it('an amount off forever, and one for the next invoice only', () => {
    page({ ...active(), subscription: subscription({ discount: discount({ percent_off: null, amount_off: 500, currency: 'usd', duration: 'forever', ends_at: null, promotion_code: null }) }) })
    expect(screen.getByTestId('discount').textContent).toContain('Launch: $5.00 off on every invoice, with no end date.')
    cleanup()
    page({ ...active(), subscription: subscription({ discount: discount({ duration: 'once', ends_at: null }) }) })
    expect(screen.getByTestId('discount').textContent).toContain('20% off on the next invoice only.')
  })

  it('no discount, no discount card', () => {
    page(active())
    expect(screen.queryByTestId('discount')).toBeNull()
  })
})

describe('a paused trial', () => {
  const paused = (withCard: boolean): Overview => {
    const base = cardless('pause')
    return {
      ...base,
      organization: { ...base.organization, billing_status: 'paused' },
      subscription: { ...base.subscription!, status: 'paused' },
      payment_method: withCard ? active().payment_method : null,
    }
  }

  it('shows when the trial ended, not a next billing date (nothing bills until it is resumed)', () => {
    page(paused(false))
    expect(screen.queryByText('Next billing date')).toBeNull()
    expect(screen.getByText('Trial ended').nextElementSibling?.textContent).toBe('December 1, 2026')
  })

  it('without a card the banner asks for one; with a card it offers to resume, which calls onResume', async () => {
    const handlers = page(paused(false))
    const banner = () => within(screen.getByTestId('trial-ended-banner'))
    await userEvent.click(banner().getByRole('button', { name: 'Add payment method' }))
    expect(handlers.onManageBilling).toHaveBeenCalledOnce()
    cleanup()
    const onResume = vi.fn()
    render(<BillingPage overview={paused(true)} locale='en-US' timeZone='UTC' onCheckout={vi.fn()} onManageBilling={vi.fn()} onExport={vi.fn()} onResume={onResume} />)
    expect(banner().queryByRole('button', { name: 'Add payment method' })).toBeNull()
    await userEvent.click(banner().getByRole('button', { name: 'Resume subscription' }))
    expect(onResume).toHaveBeenCalledOnce()
  })
})

describe('back from Checkout', () => {
  it('a trial that started says so, not that a payment was confirmed', async () => {
    window.history.replaceState(null, '', `/billing/${ORG_ID}?checkout=success`)
    const api = fakeApi({ sync: async () => ({ ...noPlan(), pending: true }), getOverview: async () => cardless('pause') })
    render(<BillingContainer api={api} orgId={ORG_ID} locale='en-US' timeZone='UTC' pollIntervalMs={10} redirect={vi.fn()} />)
    await waitFor(() => expect(screen.getByRole('status').textContent).toContain('Your free trial has started.'), { timeout: 5000 })
    expect(screen.getByRole('status').textContent).not.toContain('Payment confirmed')
    window.history.replaceState(null, '', '/')
  })
})
