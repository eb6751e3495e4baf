// @vitest-environment jsdom
// Cancel at period end with a reason and resume, on the billing page and through the container: the
// page sends Stripe's feedback values and shows what the synced overview says, not the click.
import { cleanup, render, screen, waitFor } from '@testing-library/react'
import { userEvent } from '@testing-library/user-event'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ApiError } from '../../web/src/api.ts'
import { BillingContainer } from '../../web/src/pages/billing-container.tsx'
import { BillingPage } from '../../web/src/pages/billing-page.tsx'
import { fakeApi } from './fake-api.ts'
import { active, asMember, ORG_ID, subscription } from './fixtures.ts'
import './dom-timeouts.ts'

afterEach(() => {
  cleanup()
  window.history.replaceState(null, '', '/')
})

const ending = () => ({ ...active(), subscription: subscription({ cancel_at_period_end: true, cancel_at: '2026-12-15T00:00:00Z' }) })

function page(overview = active()) {
  const handlers = { onCheckout: vi.fn(), onManageBilling: vi.fn(), onExport: vi.fn(), onCancel: vi.fn(), onResume: vi.fn() }
  render(<BillingPage overview={overview} locale="en-US" timeZone="UTC" {...handlers} />)
  return handlers
}

describe('cancel and resume on the billing page', () => {
  it('asks for a reason, then cancels with Stripe\'s feedback value and the trimmed comment', async () => {
    const { onCancel } = page()
    await userEvent.click(screen.getByRole('button', { name: 'Cancel subscription…' }))
    expect(screen.getByText(/Everything keeps working until December 15, 2026/)).toBeTruthy()
    await userEvent.selectOptions(screen.getByLabelText(/Why are you cancelling/), 'It is too expensive')
    await userEvent.type(screen.getByLabelText(/Anything we should know/), '  Budget cut ')
    await userEvent.click(screen.getByRole('button', { name: 'Cancel at period end' }))
    expect(onCancel).toHaveBeenCalledWith({ feedback: 'too_expensive', comment: 'Budget cut' })
  })

  it('sends no reason when none is given, and "Keep subscription" cancels nothing', async () => {
    const { onCancel } = page()
    await userEvent.click(screen.getByRole('button', { name: 'Cancel subscription…' }))
    await userEvent.click(screen.getByRole('button', { name: 'Keep subscription' }))
    expect(onCancel).not.toHaveBeenCalled()
    await userEvent.click(screen.getByRole('button', { name: 'Cancel subscription…' }))
    await userEvent.click(screen.getByRole('button', { name: 'Cancel at period end' }))
    expect(onCancel).toHaveBeenCalledWith({})
  })

  it('a subscription set to end offers Resume with its end date, and no second cancel', async () => {
    const { onResume } = page(ending())
    expect(screen.getByTestId('ending-note').textContent).toContain('December 15, 2026')
    expect(screen.queryByRole('button', { name: 'Cancel subscription…' })).toBeNull()
    await userEvent.click(screen.getByRole('button', { name: 'Resume subscription' }))
    expect(onResume).toHaveBeenCalledTimes(1)
  })

  it('a member sees neither', () => {
    page(asMember(active()))
    expect(screen.queryByRole('button', { name: 'Cancel subscription…' })).toBeNull()
    page(asMember(ending()))
    expect(screen.queryByRole('button', { name: 'Resume subscription' })).toBeNull()
  })
})

describe('cancel and resume through the container', () => {
  it('shows the overview the API answers after cancelling, then after resuming', async () => {
    const api = fakeApi({ getOverview: async () => active(), cancel: async () => ending(), resume: async () => active() })
    render(<BillingContainer api={api} orgId={ORG_ID} locale="en-US" timeZone="UTC" redirect={vi.fn()} />)
    await userEvent.click(await screen.findByRole('button', { name: 'Cancel subscription…' }))
    await userEvent.selectOptions(screen.getByLabelText(/Why are you cancelling/), 'unused')
    await userEvent.click(screen.getByRole('button', { name: 'Cancel at period end' }))
    expect(api.cancel).toHaveBeenCalledWith(ORG_ID, { feedback: 'unused' })
    expect((await screen.findByTestId('ending-note')).textContent).toContain('December 15, 2026')
    await userEvent.click(screen.getByRole('button', { name: 'Resume subscription' }))
    await screen.findByRole('button', { name: 'Cancel subscription…' })
    expect(api.resume).toHaveBeenCalledWith(ORG_ID)
  })

  it('shows the API\'s refusal and keeps the page as it was', async () => {
    const api = fakeApi({ getOverview: async () => ending(), resume: async () => { throw new ApiError('This subscription is not set to end; there is nothing to resume.', 409, 'not_cancelling') } })
    render(<BillingContainer api={api} orgId={ORG_ID} locale="en-US" timeZone="UTC" redirect={vi.fn()} />)
    await userEvent.click(await screen.findByRole('button', { name: 'Resume subscription' }))
    await waitFor(() => expect(screen.getByRole('alert').textContent).toBe('This subscription is not set to end; there is nothing to resume.'))
    expect(screen.getByRole('button', { name: 'Resume subscription' })).toBeTruthy()
  })
})
