// @vitest-environment jsdom
// The invitation accept page: a signed-in user joins once and goes on; each refused link gets its own
// title and the function's reason.
import { cleanup, render, screen } from '@testing-library/react'
import { StrictMode } from 'react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ApiError } from '../../web/src/api.ts'
import { InvitePage } from '../../web/src/pages/invite-page.tsx'
import { fakeApi } from './fake-api.ts'
import './dom-timeouts.ts'

afterEach(cleanup)

describe('InvitePage', () => {
  it('accepts the token once (even in StrictMode) and hands over the organization joined', async () => {
    const onJoined = vi.fn()
    const api = fakeApi({ acceptInvitation: vi.fn(async () => ({ organization_id: 'org1' })) })
    render(<StrictMode><InvitePage api={api} token="abc" email="new@acme.test" onJoined={onJoined} /></StrictMode>)
    await vi.waitFor(() => expect(onJoined).toHaveBeenCalledWith('org1'))
    expect(api.acceptInvitation).toHaveBeenCalledTimes(1)
    expect(api.acceptInvitation).toHaveBeenCalledWith('abc')
  })

  it.each([
    ['invitation_used', 'This invitation was already used'],
    ['invitation_revoked', 'This invitation was revoked'],
    ['invitation_expired', 'This invitation has expired'],
    ['invitation_for_another_email', 'This invitation is for another email address'],
    ['invitation_not_found', 'This invitation link is not valid'],
  ])('a refused link (%s) gets a clear page and joins nothing', async (code, title) => {
    const onJoined = vi.fn()
    const api = fakeApi({ acceptInvitation: async () => { throw new ApiError('The reason from the function.', 409, code) } })
    render(<InvitePage api={api} token="abc" email="me@acme.test" onJoined={onJoined} />)
    expect((await screen.findByRole('heading', { level: 1 })).textContent).toBe(title)
    expect(screen.getByRole('alert').textContent).toContain('The reason from the function. (You are signed in as me@acme.test.)')
    expect(onJoined).not.toHaveBeenCalled()
  })
})
