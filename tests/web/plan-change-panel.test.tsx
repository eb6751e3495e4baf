// @vitest-environment jsdom
// Changing plan on the billing page through the container: Stripe's preview (what is charged now and
// on the next invoice) is shown before anything changes, and the confirmation sends its proration_date.
import { cleanup, render, screen, waitFor } from '@testing-library/react'
import { userEvent } from '@testing-library/user-event'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { PlanChangePreview } from '../../supabase/functions/_shared/billing/api-types.ts'
import { ApiError } from '../../web/src/api.ts'
import { BillingContainer } from '../../web/src/pages/billing-container.tsx'
import { fakeApi } from './fake-api.ts'
import { active, ORG_ID, paymentFailed, subscription } from './fixtures.ts'
import './dom-timeouts.ts'

afterEach(() => {
  cleanup()
  window.history.replaceState(null, '', '/')
})

const downgrade: PlanChangePreview = { price_id: 'price_starter_m', quantity: 1, direction: 'downgrade', currency: 'usd', due_now: 0, next_invoice_amount: 900, next_invoice_at: '2026-12-15T12:00:00Z', proration_date: 1_796_000_000 }
const starterScheduled = () => ({
  ...active(),
  subscription: subscription({ scheduled_change: { schedule_id: 'sub_sched_1', price_id: 'price_starter_m', product_name: 'Starter', unit_amount: 900, quantity: 1, at: '2026-12-15T12:00:00Z' } }),
})

function open(api: ReturnType<typeof fakeApi>) {
  render(<BillingContainer api={api} orgId={ORG_ID} locale="en-US" timeZone="UTC" redirect={vi.fn()} />)
}

describe('plan change on the billing page', () => {
  it('offers the other plans, shows the preview, and changes only on confirmation, priced as previewed', async () => {
    const api = fakeApi({ getOverview: async () => active(), previewPlanChange: async () => downgrade, changePlan: async () => starterScheduled() })
    open(api)
    expect(screen.queryByRole('button', { name: 'Switch to Pro' })).toBeNull()
    await userEvent.click(await screen.findByRole('button', { name: 'Switch to Starter' }))
    expect(api.previewPlanChange).toHaveBeenCalledWith(ORG_ID, 'price_starter_m')
    expect((await screen.findByTestId('due-now')).textContent).toBe('$0.00')
    expect(screen.getByTestId('next-invoice').textContent).toBe('$9.00')
    expect(screen.getByText('Next invoice on December 15, 2026')).toBeTruthy()
    expect(screen.getByTestId('plan-change-preview').textContent).toContain('Downgrade to Starter at the end of this period (December 15, 2026): you keep Pro until then.')
    expect(api.changePlan).not.toHaveBeenCalled()
    await userEvent.click(screen.getByRole('button', { name: 'Confirm change' }))
    expect(api.changePlan).toHaveBeenCalledWith(ORG_ID, 'price_starter_m', 1_796_000_000)
    await waitFor(() => expect(screen.getByTestId('scheduled-change').textContent).toContain('Your plan changes to Starter ($9.00 / month) on December 15, 2026.'))
    expect(screen.getByTestId('plan-name').textContent).toBe('Pro')
    expect(screen.queryByTestId('plan-change-preview')).toBeNull()
  })

  it('shows a scheduled downgrade instead of the plans, and Undo releases it', async () => {
    const api = fakeApi({ getOverview: async () => starterScheduled(), undoPlanChange: async () => active() })
    open(api)
    expect((await screen.findByTestId('scheduled-change')).textContent).toContain('Until then you keep Pro.')
    expect(screen.queryByRole('button', { name: 'Switch to Starter' })).toBeNull()
    await userEvent.click(screen.getByRole('button', { name: 'Undo change' }))
    expect(api.undoPlanChange).toHaveBeenCalledWith(ORG_ID)
    await waitFor(() => expect(screen.queryByTestId('scheduled-change')).toBeNull())
    expect(screen.getByRole('button', { name: 'Switch to Starter' })).toBeTruthy()
  })

  it('says how many seats a per-seat price bills', async () => {
    const perSeat: PlanChangePreview = { ...downgrade, quantity: 3, direction: 'upgrade', due_now: 1450, next_invoice_amount: 2700 }
    open(fakeApi({ getOverview: async () => active(), previewPlanChange: async () => perSeat }))
    await userEvent.click(await screen.findByRole('button', { name: 'Switch to Starter' }))
    expect((await screen.findByTestId('plan-change-preview')).textContent).toContain('Upgrade to Starter for 3 seats now.')
    expect(screen.getByTestId('due-now').textContent).toBe('$14.50')
  })

  it('"Keep current plan" drops the preview without a change', async () => {
    const api = fakeApi({ getOverview: async () => active(), previewPlanChange: async () => downgrade })
    open(api)
    await userEvent.click(await screen.findByRole('button', { name: 'Switch to Starter' }))
    await userEvent.click(await screen.findByRole('button', { name: 'Keep current plan' }))
    expect(screen.queryByTestId('plan-change-preview')).toBeNull()
    expect(api.changePlan).not.toHaveBeenCalled()
  })

  it('shows the API\'s refusal in its words', async () => {
    const api = fakeApi({ getOverview: async () => active(), previewPlanChange: async () => { throw new ApiError('A payment of this subscription has failed. Pay the open invoice first (or update your card), then change plan.', 409, 'payment_failed') } })
    open(api)
    await userEvent.click(await screen.findByRole('button', { name: 'Switch to Starter' }))
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('Pay the open invoice first'))
  })

  it('is not offered while a payment has failed', async () => {
    open(fakeApi({ getOverview: async () => paymentFailed() }))
    await screen.findByTestId('plan-name')
    expect(screen.queryByRole('heading', { name: 'Change plan' })).toBeNull()
  })
})
