// Sign in or sign up with email and password (supabase-js). One form, two buttons: the local Auth
// confirms sign-ups at once, so both lead straight into the app.
import type { SupabaseClient } from '@supabase/supabase-js'
import { useState, type FormEvent } from 'react'
import { errorMessage } from '../api.ts'
import { Link } from '../components/link.tsx'
import { MIN_PASSWORD_LENGTH } from '../lib/password.ts'

type Mode = 'sign-in' | 'sign-up'

/** `notice`: why the page is asking (an invitation link opened while signed out). */
export function SignInPage({ supabase, notice }: { supabase: SupabaseClient; notice?: string }) {
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [busy, setBusy] = useState<Mode | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [info, setInfo] = useState<string | null>(null)

  /** Editing a field answers the message about the last attempt: it no longer describes what is typed. */
  function edit(set: (value: string) => void, value: string) {
    set(value)
    setError(null)
    setInfo(null)
  }

  async function submit(mode: Mode) {
    setBusy(mode)
    setError(null)
    setInfo(null)
    const credentials = { email: email.trim(), password }
    try {
      const { data, error: authError } =
        mode === 'sign-in' ? await supabase.auth.signInWithPassword(credentials) : await supabase.auth.signUp(credentials)
      if (authError) setError(authError.message)
      else if (mode === 'sign-up' && !data.session) setInfo('Check your email to confirm your address, then sign in.')
    } catch (cause) {
      setError(errorMessage(cause))
    } finally {
      setBusy(null)
    }
  }

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    // Enter in a field signs in; the button that submitted the form says which action it is.
    const submitter = (event.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null
    void submit(submitter?.value === 'sign-up' ? 'sign-up' : 'sign-in')
  }

  return (
    <div className="auth">
      <div className="card auth-card">
        <h1>Sign in to Billing</h1>
        <p className="muted">Manage your organization's plan, invoices and payment details.</p>
        {notice ? <p className="notice notice-info" data-testid="sign-in-notice">{notice}</p> : null}
        <form onSubmit={onSubmit} className="form" aria-describedby={error ? 'auth-error' : undefined}>
          <div className="field">
            <label htmlFor="email">Email</label>
            <input id="email" name="email" type="email" autoComplete="email" required value={email} onChange={(e) => edit(setEmail, e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor="password">Password</label>
            <input
              id="password"
              name="password"
              type="password"
              autoComplete="current-password"
              required
              minLength={MIN_PASSWORD_LENGTH}
              aria-describedby="password-hint"
              value={password}
              onChange={(e) => edit(setPassword, e.target.value)}
            />
            <p id="password-hint" className="hint">
              At least {MIN_PASSWORD_LENGTH} characters. <Link to="/forgot-password">Forgot password?</Link>
            </p>
          </div>
          <div className="form-messages">
            <div role="alert" id="auth-error">
              {error ? <p className="callout callout-danger">{error}</p> : null}
            </div>
            <div role="status">{info ? <p className="callout callout-info">{info}</p> : null}</div>
          </div>
          <div className="form-actions">
            <button type="submit" name="action" value="sign-in" className="button button-primary" disabled={busy !== null}>
              Sign in
            </button>
            <button type="submit" name="action" value="sign-up" className="button button-secondary" disabled={busy !== null}>
              Sign up
            </button>
          </div>
          <p className="hint">New here? Enter your email and choose a password, then select Sign up.</p>
        </form>
      </div>
    </div>
  )
}
