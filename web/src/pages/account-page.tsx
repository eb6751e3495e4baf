// The account page: the email you sign in with, and changing it. Auth mails a confirmation link to the
// new address; the email changes only when that link is followed (it lands back here, signed in).
import type { SupabaseClient, User } from '@supabase/supabase-js'
import { useState } from 'react'
import { useFormAction } from '../lib/use-form-action.ts'

export function AccountPage({ supabase, user }: { supabase: SupabaseClient; user: User }) {
  const [email, setEmail] = useState('')
  const [pending, setPending] = useState<string | null>(user.new_email ?? null)
  const { busy, error, onSubmit } = useFormAction(async () => {
    const { data, error: authError } = await supabase.auth.updateUser(
      { email: email.trim() },
      { emailRedirectTo: `${window.location.origin}/account` },
    )
    if (authError) return authError.message
    setPending(data.user.new_email ?? null)
    setEmail('')
  })

  return (
    <section className="card">
      <h1>Account</h1>
      <p>
        You sign in as <strong data-testid="account-email">{user.email}</strong>.
      </p>
      <div role="status">
        {pending ? (
          <p className="callout callout-info">
            We sent a confirmation link to {pending}. Your email stays {user.email} until you follow it.
          </p>
        ) : null}
      </div>
      <form onSubmit={onSubmit} className="form">
        <div className="field">
          <label htmlFor="new-email">New email</label>
          <input id="new-email" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </div>
        <div role="alert">{error ? <p className="callout callout-danger">{error}</p> : null}</div>
        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={busy}>Change email</button>
        </div>
      </form>
    </section>
  )
}
