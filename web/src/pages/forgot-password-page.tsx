// "Forgot password?": asks Auth to email a reset link (supabase-js resetPasswordForEmail). The answer is
// the same whether or not the address has an account, and so is the message. Also shown when a reset
// link was opened signed out (it was used already or has expired).
import type { SupabaseClient } from '@supabase/supabase-js'
import { useState, type FormEvent } from 'react'
import { errorMessage } from '../api.ts'
import { Link } from '../components/link.tsx'

export function ForgotPasswordPage({ supabase, linkFailed = false }: { supabase: SupabaseClient; linkFailed?: boolean }) {
  const [email, setEmail] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [sentTo, setSentTo] = useState<string | null>(null)

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    setBusy(true)
    setError(null)
    setSentTo(null)
    try {
      const address = email.trim()
      const { error: authError } = await supabase.auth.resetPasswordForEmail(address, {
        redirectTo: `${window.location.origin}/update-password`,
      })
      if (authError) setError(authError.message)
      else setSentTo(address)
    } catch (cause) {
      setError(errorMessage(cause))
    } finally {
      setBusy(false)
    }
  }

  return (
    <div className="auth">
      <div className="card auth-card">
        <h1>Reset your password</h1>
        {linkFailed ? (
          <p className="callout callout-danger">That link is invalid or has expired. Request a new one below.</p>
        ) : null}
        <p className="muted">Enter the email you sign in with and we will send you a link to choose a new password.</p>
        <form onSubmit={(e) => void onSubmit(e)} className="form">
          <div className="field">
            <label htmlFor="reset-email">Email</label>
            <input id="reset-email" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
          </div>
          <div className="form-messages">
            <div role="alert">{error ? <p className="callout callout-danger">{error}</p> : null}</div>
            <div role="status">
              {sentTo ? <p className="callout callout-info">If an account uses {sentTo}, a reset link is on its way there.</p> : null}
            </div>
          </div>
          <div className="form-actions">
            <button type="submit" className="button button-primary" disabled={busy}>Send reset link</button>
            <Link to="/" className="button button-secondary">Back to sign in</Link>
          </div>
        </form>
      </div>
    </div>
  )
}
