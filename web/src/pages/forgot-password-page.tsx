// "Forgot password?": asks Auth to email a reset link (supabase-js resetPasswordForEmail). The answer is
// the same whether or not the address has an account, and so is the message. Also shown when a reset
// link was opened signed out (it was used already or has expired).
import type { SupabaseClient } from '@supabase/supabase-js'
import { useState } from 'react'
import { Link } from '../components/link.tsx'
import { useFormAction } from '../lib/use-form-action.ts'

export function ForgotPasswordPage({ supabase, linkFailed = false }: { supabase: SupabaseClient; linkFailed?: boolean }) {
  const [email, setEmail] = useState('')
  const [sentTo, setSentTo] = useState<string | null>(null)
  const { busy, error, onSubmit } = useFormAction(async () => {
    setSentTo(null)
    const address = email.trim()
    const { error: authError } = await supabase.auth.resetPasswordForEmail(address, {
      redirectTo: `${window.location.origin}/update-password`,
    })
    if (authError) return authError.message
    setSentTo(address)
  })

  return (
    <div className="auth">
      <div className="card auth-card">
        <h1>Reset your password</h1>
        {linkFailed ? (
          <p className="callout callout-danger">That link is invalid or has expired. Request a new one below.</p>
        ) : null}
        <p className="muted">Enter the email you sign in with and we will send you a link to choose a new password.</p>
        <form onSubmit={onSubmit} className="form">
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
