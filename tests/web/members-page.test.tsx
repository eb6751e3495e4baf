// @vitest-environment jsdom
// The members page against a fake API: what admins and members see, and that each action calls the API
// and shows its outcome (the function's own refusal included).
import { cleanup, render, screen, within } from '@testing-library/react'
import { userEvent } from '@testing-library/user-event'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { MembersView } from '../../supabase/functions/_shared/billing/api-types.ts'
import { ApiError } from '../../web/src/api.ts'
import { MembersPage } from '../../web/src/pages/members-page.tsx'
import { fakeApi } from './fake-api.ts'
import './dom-timeouts.ts'

afterEach(cleanup)

const view = (role: 'admin' | 'member' = 'admin'): MembersView => ({
  organization: { id: 'org1', name: 'Acme Inc.' },
  role,
  you: role === 'admin' ? 'u-admin' : 'u-member',
  members: [
    { user_id: 'u-admin', email: 'ada@acme.test', full_name: null, role: 'admin' },
    { user_id: 'u-member', email: 'bob@acme.test', full_name: null, role: 'member' },
  ],
  invitations: role === 'admin' ? [{ id: 'inv1', email: 'cy@acme.test', role: 'member', expires_at: '2026-12-06T00:00:00Z', sent_count: 1, expired: false }] : [],
  usage: [],
})

describe('MembersPage', () => {
  it('lets an admin invite by email with a role, then shows that the invitation was sent', async () => {
    const api = fakeApi({ getMembers: async () => view(), invite: vi.fn(async () => view().invitations[0]) })
    render(<MembersPage api={api} orgId="org1" onLeft={vi.fn()} />)
    await userEvent.type(await screen.findByLabelText('Email'), 'new@acme.test')
    await userEvent.selectOptions(screen.getByLabelText('Role'), 'admin')
    await userEvent.click(screen.getByRole('button', { name: 'Send invitation' }))
    expect(api.invite).toHaveBeenCalledWith('org1', 'new@acme.test', 'admin')
    expect((await screen.findByRole('status')).textContent).toBe('Invitation sent to new@acme.test.')
    expect(api.getMembers).toHaveBeenCalledTimes(2)
  })

  it("shows the function's refusal of an invitation as it is", async () => {
    const api = fakeApi({ getMembers: async () => view(), invite: async () => { throw new ApiError('bob@acme.test is already a member of this organization.', 409, 'already_member') } })
    render(<MembersPage api={api} orgId="org1" onLeft={vi.fn()} />)
    await userEvent.type(await screen.findByLabelText('Email'), 'bob@acme.test')
    await userEvent.click(screen.getByRole('button', { name: 'Send invitation' }))
    expect((await screen.findByRole('alert')).textContent).toBe('bob@acme.test is already a member of this organization.')
  })

  it('lists pending invitations for admins, with resend and revoke', async () => {
    const api = fakeApi({ getMembers: async () => view(), resendInvitation: vi.fn(async () => view().invitations[0]), revokeInvitation: vi.fn(async () => undefined) })
    render(<MembersPage api={api} orgId="org1" onLeft={vi.fn()} />)
    const row = within(await screen.findByTestId('invitation'))
    expect(row.getByText('cy@acme.test')).toBeTruthy()
    await userEvent.click(row.getByRole('button', { name: 'Resend to cy@acme.test' }))
    expect(api.resendInvitation).toHaveBeenCalledWith('org1', 'inv1')
    await userEvent.click(within(await screen.findByTestId('invitation')).getByRole('button', { name: 'Revoke the invitation to cy@acme.test' }))
    expect(api.revokeInvitation).toHaveBeenCalledWith('org1', 'inv1')
    expect((await screen.findByRole('status')).textContent).toBe('The invitation to cy@acme.test was revoked.')
  })

  it('lets an admin change a role and remove a member, and shows the list the API returns', async () => {
    const after = { ...view(), members: [view().members[0]] }
    const api = fakeApi({ getMembers: async () => view(), changeRole: vi.fn(async () => view()), removeMember: vi.fn(async () => after) })
    render(<MembersPage api={api} orgId="org1" onLeft={vi.fn()} />)
    await userEvent.selectOptions(await screen.findByLabelText('Role of bob@acme.test'), 'admin')
    expect(api.changeRole).toHaveBeenCalledWith('org1', 'u-member', 'admin')
    await userEvent.click(screen.getByRole('button', { name: 'Remove bob@acme.test' }))
    expect(api.removeMember).toHaveBeenCalledWith('org1', 'u-member')
    expect(await screen.findByText('bob@acme.test was removed.')).toBeTruthy()
    expect(screen.getAllByTestId('member')).toHaveLength(1)
  })

  it('shows a member the members without invitations or role controls, and lets them leave', async () => {
    const onLeft = vi.fn()
    const api = fakeApi({ getMembers: async () => view('member'), leave: vi.fn(async () => undefined) })
    render(<MembersPage api={api} orgId="org1" onLeft={onLeft} />)
    expect(await screen.findAllByTestId('member')).toHaveLength(2)
    expect(screen.queryByRole('button', { name: 'Send invitation' })).toBeNull()
    expect(screen.queryByLabelText('Role of ada@acme.test')).toBeNull()
    expect(screen.queryByRole('button', { name: /Remove/ })).toBeNull()
    await userEvent.click(screen.getByRole('button', { name: 'Leave' }))
    expect(api.leave).toHaveBeenCalledWith('org1')
    expect(onLeft).toHaveBeenCalledTimes(1)
  })

  it("tells the last admin why they cannot leave, and stays", async () => {
    const onLeft = vi.fn()
    const api = fakeApi({ getMembers: async () => view(), leave: async () => { throw new ApiError("The organization's last admin cannot leave or be demoted: make another member an admin first.", 409, 'last_admin') } })
    render(<MembersPage api={api} orgId="org1" onLeft={onLeft} />)
    await userEvent.click(await screen.findByRole('button', { name: 'Leave' }))
    expect((await screen.findByRole('alert')).textContent).toContain('last admin cannot leave')
    expect(onLeft).not.toHaveBeenCalled()
  })

  it('shows the seats in use, and after a downgrade below them the overage, the ways out and Upgrade to the billing page', async () => {
    const over: MembersView = { ...view(), usage: [{ name: 'seats', in_use: 3, limit: 2, over_by: 1 }, { name: 'projects', in_use: 9, limit: 3, over_by: 6 }] }
    render(<MembersPage api={fakeApi({ getMembers: async () => over })} orgId="org1" onLeft={vi.fn()} />)
    expect((await screen.findByTestId('members-seats')).textContent).toBe('3 of 2 seats in use, counting pending invitations')
    const notice = screen.getByTestId('over-limit-notice')
    expect(notice.textContent).toContain('3 seats in use; the plan includes 2. Nothing is removed, but no new seats can be added until you remove 1 member or pending invitation or upgrade the plan.')
    expect(notice.textContent, 'only seats concern this page').not.toContain('projects')
    expect(within(notice).queryByRole('link', { name: 'Manage members' }), 'no link to the page itself').toBeNull()
    await userEvent.click(within(notice).getByRole('button', { name: 'Upgrade plan' }))
    expect(window.location.pathname).toBe('/billing/org1')
  })

  it('shows no notice while seats are within the plan', async () => {
    render(<MembersPage api={fakeApi({ getMembers: async () => ({ ...view(), usage: [{ name: 'seats', in_use: 2, limit: 5, over_by: 0 }] }) })} orgId="org1" onLeft={vi.fn()} />)
    expect((await screen.findByTestId('members-seats')).textContent).toBe('2 of 5 seats in use, counting pending invitations')
    expect(screen.queryByTestId('over-limit-notice')).toBeNull()
  })
})
