// @vitest-environment jsdom
// BillingContainer with a fake API: returning from Checkout and the portal, polling, focus, errors
// and the actions that leave for Stripe.
import { act, cleanup, render, screen, waitFor, within } from '@testing-library/react'
import { userEvent } from '@testing-library/user-event'
import { StrictMode } from 'react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ApiError } from '../../web/src/api.ts'
import { BillingContainer, type BillingContainerProps } from '../../web/src/pages/billing-container.tsx'
import { fakeApi, sleep, type FakeApi } from './fake-api.ts'
import { active, cancelled, noPlan, ORG_ID, paymentFailed, subscription } from './fixtures.ts'
import './dom-timeouts.ts'

// npm test runs these beside the stack and a browser on two cores: give async assertions room.

afterEach(() => {
  cleanup()
  vi.useRealTimers()
  window.history.replaceState(null, '', '/')
})

function open(url: string, api: FakeApi, props: Partial<BillingContainerProps> = {}) {
  window.history.replaceState(null, '', url)
  const redirect = vi.fn()
  render(<BillingContainer api={api} orgId={ORG_ID} locale="en-US" timeZone="UTC" pollIntervalMs={10} redirect={redirect} {...props} />)
  return { redirect }
}

/** Moves fake time on in steps, letting React commit and schedule the next poll in between. */
async function advance(ms: number, step = 250) {
  for (let left = ms; left > 0; left -= step) await act(() => vi.advanceTimersByTimeAsync(Math.min(step, left)))
}

const status = () => screen.getByRole('status').textContent ?? ''
const badge = () => screen.getByTestId('status-badge').textContent

describe('BillingContainer', () => {
  it('after ?checkout=success syncs once, says it is confirming, and polls until the subscription appears', async () => {
    const waiting = { ...noPlan(), pending: true }
    const api = fakeApi({
      sync: async () => waiting,
      getOverview: vi.fn<FakeApi['getOverview']>().mockResolvedValueOnce(waiting).mockResolvedValueOnce(noPlan()).mockResolvedValue(active()),
    })
    open(`/billing/${ORG_ID}?checkout=success`, api)
    expect(status()).toContain('Confirming your payment…')
    await screen.findByTestId('plan-name')
    expect(screen.queryAllByRole('button', { name: /^Choose / })).toHaveLength(0)

    await waitFor(() => expect(badge()).toBe('Active'))
    expect(screen.getByTestId('plan-name').textContent).toBe('Pro')
    await waitFor(() => expect(status()).toContain('Payment confirmed'))
    expect(api.sync).toHaveBeenCalledExactlyOnceWith(ORG_ID)
    expect(api.getOverview).toHaveBeenCalledTimes(3)

    await sleep(60)
    expect(api.getOverview).toHaveBeenCalledTimes(3)
  })

  it('says the payment is confirmed once the subscription is active, even while other changes are still syncing', async () => {
    const api = fakeApi({ sync: async () => ({ ...active(), pending: true }), getOverview: async () => ({ ...active(), pending: true }) })
    open(`/billing/${ORG_ID}?checkout=success`, api)
    await waitFor(() => expect(badge()).toBe('Active'))
    await waitFor(() => expect(status()).not.toContain('Confirming your payment'))
    expect(status()).not.toContain('Confirming')
  })

  it('removes ?checkout=success from the address after handling it', async () => {
    const api = fakeApi({ sync: async () => active() })
    open(`/billing/${ORG_ID}?checkout=success&ref=mail`, api)
    expect(window.location.pathname + window.location.search).toBe(`/billing/${ORG_ID}?ref=mail`)
    await waitFor(() => expect(badge()).toBe('Active'))
  })

  it("makes one request on mount under StrictMode, whose double effects must not load twice", async () => {
    window.history.replaceState(null, '', `/billing/${ORG_ID}?checkout=success`)
    const api = fakeApi({ sync: async () => active() })
    render(
      <StrictMode>
        <BillingContainer api={api} orgId={ORG_ID} locale="en-US" timeZone="UTC" redirect={vi.fn()} />
      </StrictMode>,
    )
    await waitFor(() => expect(badge()).toBe('Active'))
    expect(api.sync).toHaveBeenCalledTimes(1)
    expect(api.getOverview).not.toHaveBeenCalled()
  })

  it('falls back to reading the overview when the sync itself fails', async () => {
    const api = fakeApi({
      sync: async () => {
        throw new ApiError('Stripe is unavailable', 500, 'stripe_error')
      },
      getOverview: async () => active(),
    })
    open(`/billing/${ORG_ID}?checkout=success`, api)
    await waitFor(() => expect(badge()).toBe('Active'))
    expect(api.sync).toHaveBeenCalledTimes(1)
  })

  // Polling runs on fake timers: the time limit is counted on the clock the hook reads (Date.now, setTimeout),
  // so a slow machine changes neither when it gives up nor how many polls come first. Generous test
  // timeouts: each step is a React commit, which a loaded machine makes slow, never wrong.
  it('gives up polling after the time limit and says so', { timeout: 30_000 }, async () => {
    vi.useFakeTimers()
    const api = fakeApi({ sync: async () => noPlan(), getOverview: async () => noPlan() })
    open(`/billing/${ORG_ID}?checkout=success`, api, { pollTimeoutMs: 600, pollIntervalMs: 50 })
    await act(() => vi.advanceTimersByTimeAsync(0))
    expect(api.sync).toHaveBeenCalledTimes(1)
    await advance(599, 50)
    expect(status()).toContain('Confirming your payment…')
    expect(api.getOverview).toHaveBeenCalledTimes(11)
    await advance(1, 50)
    expect(status()).toContain("We haven't received confirmation from Stripe yet")
    expect(api.getOverview).toHaveBeenCalledTimes(12)
    await advance(1_000, 50)
    expect(api.getOverview).toHaveBeenCalledTimes(12)
    expect(screen.getByRole('button', { name: 'Refresh' })).not.toBeNull()
    expect(screen.getByRole('button', { name: 'Choose Pro' })).not.toBeNull()
  })

  it('polls every 1.5 s by default and gives up after 60 s', { timeout: 30_000 }, async () => {
    vi.useFakeTimers()
    window.history.replaceState(null, '', `/billing/${ORG_ID}?checkout=success`)
    const api = fakeApi({ sync: async () => noPlan(), getOverview: async () => noPlan() })
    render(<BillingContainer api={api} orgId={ORG_ID} locale="en-US" timeZone="UTC" redirect={vi.fn()} />)
    await act(() => vi.advanceTimersByTimeAsync(0))
    expect(api.sync).toHaveBeenCalledTimes(1)

    await act(() => vi.advanceTimersByTimeAsync(1_499))
    expect(api.getOverview).toHaveBeenCalledTimes(0)
    await act(() => vi.advanceTimersByTimeAsync(1))
    expect(api.getOverview).toHaveBeenCalledTimes(1)
    await act(() => vi.advanceTimersByTimeAsync(1_500))
    expect(api.getOverview).toHaveBeenCalledTimes(2)

    // One step per poll (each ends as a poll falls due), 40 commits rather than 240.
    await advance(56_999, 1_500)
    expect(status()).toContain('Confirming your payment…')
    await advance(1)
    expect(status()).toContain("We haven't received confirmation from Stripe yet")
    expect(api.getOverview).toHaveBeenCalledTimes(40)
    await advance(15_000, 1_500)
    expect(api.getOverview).toHaveBeenCalledTimes(40)
  })

  it('after ?portal=return polls and shows a change made in the portal without a reload', async () => {
    const cancelling = active()
    cancelling.subscription = subscription({ cancel_at_period_end: true })
    const api = fakeApi({
      getOverview: vi.fn<FakeApi['getOverview']>().mockResolvedValueOnce(active()).mockResolvedValueOnce(active()).mockResolvedValue(cancelling),
    })
    open(`/billing/${ORG_ID}?portal=return`, api)
    expect(window.location.search).toBe('')
    await waitFor(() => expect(badge()).toBe('Cancels on December 15, 2026'))
    expect(api.sync).not.toHaveBeenCalled()
  })

  it('polls while a sync is pending and stops once it is done', async () => {
    const api = fakeApi({
      getOverview: vi.fn<FakeApi['getOverview']>().mockResolvedValueOnce({ ...active(), pending: true }).mockResolvedValue(paymentFailed()),
    })
    open(`/billing/${ORG_ID}`, api)
    await waitFor(() => expect(screen.queryByTestId('payment-failed-banner')).not.toBeNull())
    await sleep(60)
    expect(api.getOverview).toHaveBeenCalledTimes(2)
  })

  it('does not poll an overview that is settled', async () => {
    const api = fakeApi({ getOverview: async () => active() })
    open(`/billing/${ORG_ID}`, api)
    await waitFor(() => expect(badge()).toBe('Active'))
    await sleep(60)
    expect(api.getOverview).toHaveBeenCalledTimes(1)
  })

  it('refreshes when the window regains focus', async () => {
    const api = fakeApi({ getOverview: vi.fn<FakeApi['getOverview']>().mockResolvedValueOnce(active()).mockResolvedValue(paymentFailed()) })
    open(`/billing/${ORG_ID}`, api)
    await waitFor(() => expect(badge()).toBe('Active'))
    act(() => {
      window.dispatchEvent(new Event('focus'))
    })
    await waitFor(() => expect(badge()).toBe('Payment failed'))
  })

  it('shows a loading state, then the API error message with Retry, which loads again', async () => {
    const api = fakeApi({
      getOverview: vi.fn<FakeApi['getOverview']>().mockRejectedValueOnce(new ApiError('You are not a member of this organization.', 403, 'forbidden')).mockResolvedValue(active()),
    })
    open(`/billing/${ORG_ID}`, api)
    expect(screen.getByText('Loading billing…')).not.toBeNull()
    const alert = await screen.findByRole('alert')
    expect(alert.textContent).toContain('You are not a member of this organization.')
    await userEvent.click(screen.getByRole('button', { name: 'Retry' }))
    await waitFor(() => expect(badge()).toBe('Active'))
  })

  it('an organization the user cannot see offers no Retry, which could not succeed, but a way to their organizations', async () => {
    const api = fakeApi({ getOverview: async () => { throw new ApiError('Organization not found.', 404, 'not_found') } })
    open(`/billing/${ORG_ID}`, api)
    const alert = await screen.findByRole('alert')
    expect(alert.textContent).toContain('Organization not found')
    expect(screen.queryByRole('button', { name: 'Retry' })).toBeNull()
    expect(within(alert).getByRole('link', { name: 'Go to your organizations' }).getAttribute('href')).toBe('/orgs')
  })

  it('Choose starts Checkout for that price and sends the browser to its URL', async () => {
    const api = fakeApi({ getOverview: async () => noPlan(), checkout: async () => ({ url: 'https://checkout.stripe.test/c/cs_1' }) })
    const { redirect } = open(`/billing/${ORG_ID}`, api)
    await userEvent.click(await screen.findByRole('button', { name: 'Choose Starter' }))
    expect(api.checkout).toHaveBeenCalledExactlyOnceWith(ORG_ID, 'price_starter_m')
    expect(redirect).toHaveBeenCalledExactlyOnceWith('https://checkout.stripe.test/c/cs_1')
  })

  it("shows the API's message when Checkout cannot start, and enables the buttons again", async () => {
    const api = fakeApi({
      getOverview: async () => noPlan(),
      checkout: async () => {
        throw new ApiError('This organization already has a subscription.', 409, 'already_subscribed')
      },
    })
    const { redirect } = open(`/billing/${ORG_ID}`, api)
    await userEvent.click(await screen.findByRole('button', { name: 'Choose Pro' }))
    await waitFor(() => expect(screen.getAllByRole('alert').map((a) => a.textContent)).toContain('This organization already has a subscription.'))
    expect(redirect).not.toHaveBeenCalled()
    expect((screen.getByRole('button', { name: 'Choose Pro' }) as HTMLButtonElement).disabled).toBe(false)
  })

  it('Manage billing opens the portal', async () => {
    const api = fakeApi({ getOverview: async () => active(), portal: async () => ({ url: 'https://billing.stripe.test/p/session_1' }) })
    const { redirect } = open(`/billing/${ORG_ID}`, api)
    await userEvent.click(await screen.findByRole('button', { name: 'Manage billing' }))
    expect(redirect).toHaveBeenCalledExactlyOnceWith('https://billing.stripe.test/p/session_1')
  })

  it('Download my data requests the export and shows its link', async () => {
    const api = fakeApi({
      getOverview: async () => cancelled(),
      requestExport: async () => ({ url: 'http://127.0.0.1:54321/functions/v1/export-download?token=t1', expires_at: '2026-12-27T08:00:00Z' }),
    })
    open(`/billing/${ORG_ID}`, api)
    await userEvent.click(await screen.findByRole('button', { name: 'Download my data' }))
    const link = await screen.findByTestId('export-link')
    expect(link.getAttribute('href')).toBe('http://127.0.0.1:54321/functions/v1/export-download?token=t1')
    expect(api.requestExport).toHaveBeenCalledExactlyOnceWith(ORG_ID)
  })
})
