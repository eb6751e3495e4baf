// @vitest-environment jsdom
// The auth forms that share useFormAction (forgot password, set a new password, change email), with a
// fake supabase-js client: the button is disabled while Auth answers, Auth's error message or a thrown
// error is shown, and a success shows its own outcome instead.
import type { SupabaseClient, User } from '@supabase/supabase-js'
import { cleanup, render, screen } from '@testing-library/react'
import { userEvent } from '@testing-library/user-event'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { AccountPage } from '../../web/src/pages/account-page.tsx'
import { ForgotPasswordPage } from '../../web/src/pages/forgot-password-page.tsx'
import { UpdatePasswordPage } from '../../web/src/pages/update-password-page.tsx'
import './dom-timeouts.ts'

afterEach(cleanup)

const client = (auth: Record<string, unknown>) => ({ auth }) as unknown as SupabaseClient

describe('forms run through useFormAction', () => {
  it('forgot password: busy while Auth answers, then the sent message; an Auth error replaces it on the next try', async () => {
    let answer!: (v: unknown) => void
    const resetPasswordForEmail = vi.fn(() => new Promise((r) => (answer = r)))
    render(<ForgotPasswordPage supabase={client({ resetPasswordForEmail })} />)
    await userEvent.type(screen.getByLabelText('Email'), 'ada@example.test')
    await userEvent.click(screen.getByRole('button', { name: 'Send reset link' }))
    expect((screen.getByRole('button', { name: 'Send reset link' }) as HTMLButtonElement).disabled).toBe(true)
    answer({ data: {}, error: null })
    expect((await screen.findByText(/a reset link is on its way/)).textContent).toContain('ada@example.test')
    expect((screen.getByRole('button', { name: 'Send reset link' }) as HTMLButtonElement).disabled).toBe(false)
    resetPasswordForEmail.mockImplementation(async () => ({ data: {}, error: { message: 'Email rate limit exceeded' } }))
    await userEvent.click(screen.getByRole('button', { name: 'Send reset link' }))
    expect(await screen.findByText('Email rate limit exceeded')).toBeTruthy()
    expect(screen.queryByText(/a reset link is on its way/)).toBeNull()
  })

  it('set a new password: a thrown error is shown, and editing the field takes it away', async () => {
    const updateUser = vi.fn(async () => {
      throw new Error('Failed to fetch')
    })
    render(<UpdatePasswordPage supabase={client({ updateUser })} />)
    await userEvent.type(screen.getByLabelText('New password'), 'a long enough password')
    await userEvent.click(screen.getByRole('button', { name: 'Save password' }))
    expect(await screen.findByText('Failed to fetch')).toBeTruthy()
    await userEvent.type(screen.getByLabelText('New password'), 'x')
    expect(screen.queryByText('Failed to fetch')).toBeNull()
  })

  it('change email: Auth refusing shows its message; accepting shows the pending address', async () => {
    const updateUser = vi.fn(async () => ({ data: { user: null }, error: { message: 'Email address is invalid' } }))
    render(<AccountPage supabase={client({ updateUser })} user={{ email: 'ada@example.test' } as User} />)
    await userEvent.type(screen.getByLabelText(/email/i, { selector: 'input' }), 'new@example.test')
    await userEvent.click(screen.getByRole('button', { name: 'Change email' }))
    expect(await screen.findByText('Email address is invalid')).toBeTruthy()
    updateUser.mockImplementation(async () => ({ data: { user: { new_email: 'new@example.test' } }, error: null }) as never)
    await userEvent.click(screen.getByRole('button', { name: 'Change email' }))
    expect((await screen.findByText(/We sent a confirmation link to new@example.test/)).textContent).toContain('ada@example.test')
    expect(screen.queryByText('Email address is invalid')).toBeNull()
  })
})
