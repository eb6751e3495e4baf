// @vitest-environment jsdom
// The sign-in page with a fake supabase-js client: its error answers the last attempt only.
import type { SupabaseClient } from '@supabase/supabase-js'
import { cleanup, render, screen } from '@testing-library/react'
import { userEvent } from '@testing-library/user-event'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { minimumPasswordLength } from '../../dev/stack/services.ts'
import { MIN_PASSWORD_LENGTH } from '../../web/src/lib/password.ts'
import { SignInPage } from '../../web/src/pages/sign-in-page.tsx'
import './dom-timeouts.ts'

afterEach(cleanup)

function fakeSupabase() {
  const signInWithPassword = vi.fn(async () => ({ data: { session: null, user: null }, error: { message: 'Invalid login credentials' } }))
  return { client: { auth: { signInWithPassword, signUp: vi.fn() } } as unknown as SupabaseClient, signInWithPassword }
}

describe('SignInPage', () => {
  it('shows a failed sign-in, and takes the message away as soon as the user edits a field', async () => {
    const { client, signInWithPassword } = fakeSupabase()
    render(<SignInPage supabase={client} />)
    await userEvent.type(screen.getByLabelText('Email'), 'ada@example.test')
    await userEvent.type(screen.getByLabelText('Password'), 'wrong password')
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }))
    expect(signInWithPassword).toHaveBeenCalledTimes(1)
    expect((await screen.findByText('Invalid login credentials')).textContent).toBe('Invalid login credentials')
    await userEvent.type(screen.getByLabelText('Password'), 'x')
    expect(screen.queryByText('Invalid login credentials')).toBeNull()
  })

  it('asks for the password length Auth enforces (supabase/config.toml), in the hint and the field', () => {
    expect(MIN_PASSWORD_LENGTH).toBe(minimumPasswordLength())
    const { client } = fakeSupabase()
    render(<SignInPage supabase={client} />)
    expect(screen.getByLabelText('Password').getAttribute('minlength')).toBe(String(minimumPasswordLength()))
    expect(screen.getByText(new RegExp(`At least ${minimumPasswordLength()} characters`))).toBeTruthy()
  })
})
