// @vitest-environment jsdom
// The plan's limits with usage on the billing page ("3 of 5 seats", unlimited said as such), and the
// notice after a downgrade below usage: what is over, by how much, and the ways out (admins act on it).
import { cleanup, render, screen, within } from '@testing-library/react'
import { userEvent } from '@testing-library/user-event'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Overview, PlanUsage } from '../../supabase/functions/_shared/billing/api-types.ts'
import { BillingPage } from '../../web/src/pages/billing-page.tsx'
import { active, asMember, ORG_ID } from './fixtures.ts'
import './dom-timeouts.ts'

afterEach(cleanup)

function renderPage(usage: PlanUsage[], as: (o: Overview) => Overview = (o) => o) {
  const onManageBilling = vi.fn()
  render(<BillingPage overview={as({ ...active(), usage })} locale="en-US" timeZone="UTC" onCheckout={vi.fn()} onManageBilling={onManageBilling} onExport={vi.fn()} />)
  return { onManageBilling }
}

const seats = (in_use: number, limit: number | null): PlanUsage => ({ name: 'seats', in_use, limit, over_by: limit !== null && in_use > limit ? in_use - limit : 0 })
const projects = (in_use: number, limit: number | null): PlanUsage => ({ name: 'projects', in_use, limit, over_by: limit !== null && in_use > limit ? in_use - limit : 0 })

describe('plan limits with usage', () => {
  it('shows "3 of 5 seats" and "7 of 10 projects"', () => {
    renderPage([seats(3, 5), projects(7, 10)])
    expect(screen.getByTestId('usage-seats').textContent).toBe('3 of 5 seats')
    expect(screen.getByTestId('usage-projects').textContent).toBe('7 of 10 projects')
    expect(screen.queryByTestId('over-limit-notice')).toBeNull()
  })

  it('says unlimited rather than a number, and a limit the plan leaves out as not included', () => {
    renderPage([seats(1, null), projects(0, 0)])
    expect(screen.getByTestId('usage-seats').textContent).toBe('1 seat (unlimited)')
    expect(screen.getByTestId('usage-projects').textContent).toBe('No projects in this plan')
  })

  it('shows no limits card when the overview carries no usage', () => {
    renderPage([])
    expect(screen.queryByTestId('plan-usage')).toBeNull()
  })
})

describe('over the plan limits after a downgrade', () => {
  it('tells an admin what is over, by how much, and the ways out; Upgrade opens the portal', async () => {
    const { onManageBilling } = renderPage([seats(7, 5), projects(12, 10)])
    const notice = screen.getByTestId('over-limit-notice')
    expect(notice.textContent).toContain('7 seats in use; the plan includes 5. Nothing is removed, but no new seats can be added until you remove 2 members or pending invitations or upgrade the plan.')
    expect(notice.textContent).toContain('12 projects in use; the plan includes 10. Nothing is removed, but no new projects can be added until you delete 2 projects or upgrade the plan.')
    expect(within(notice).getByRole('link', { name: 'Manage members' }).getAttribute('href')).toBe(`/members/${ORG_ID}`)
    await userEvent.click(within(notice).getByRole('button', { name: 'Upgrade plan' }))
    expect(onManageBilling).toHaveBeenCalledOnce()
    expect(screen.getByTestId('usage-seats').textContent).toBe('7 of 5 seats')
  })

  it('names only the limit that is over, and offers members management only for seats', () => {
    renderPage([seats(2, 5), projects(11, 10)])
    const notice = screen.getByTestId('over-limit-notice')
    expect(notice.textContent).toContain('delete 1 project or upgrade')
    expect(notice.textContent).not.toContain('seats in use')
    expect(within(notice).queryByRole('link', { name: 'Manage members' })).toBeNull()
  })

  it('tells a member to ask an admin, with no actions', () => {
    renderPage([seats(6, 5)], asMember)
    const notice = screen.getByTestId('over-limit-notice')
    expect(notice.textContent).toContain('6 seats in use; the plan includes 5. Nothing is removed, but no new seats can be added.')
    expect(notice.textContent).toContain('Ask an admin of this organization to free room or upgrade the plan.')
    expect(within(notice).queryByRole('button')).toBeNull()
  })
})
