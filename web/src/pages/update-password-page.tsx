// "Set a new password": where the emailed reset link lands, already signed in by it (the link's session
// arrives in the URL fragment and supabase-js emits PASSWORD_RECOVERY). Saving goes on into the app.
import type { SupabaseClient } from '@supabase/supabase-js'
import { useState } from 'react'
import { navigate } from '../lib/router.ts'
import { MIN_PASSWORD_LENGTH } from '../lib/password.ts'
import { useFormAction } from '../lib/use-form-action.ts'

export function UpdatePasswordPage({ supabase }: { supabase: SupabaseClient }) {
  const [password, setPassword] = useState('')
  const { busy, error, setError, onSubmit } = useFormAction(async () => {
    const { error: authError } = await supabase.auth.updateUser({ password })
    if (authError) return authError.message
    navigate('/', { replace: true })
  })

  return (
    <div className="auth">
      <div className="card auth-card">
        <h1>Set a new password</h1>
        <form onSubmit={onSubmit} className="form">
          <div className="field">
            <label htmlFor="new-password">New password</label>
            <input
              id="new-password" type="password" autoComplete="new-password" required minLength={MIN_PASSWORD_LENGTH}
              value={password} onChange={(e) => { setPassword(e.target.value); setError(null) }}
            />
          </div>
          <div role="alert">{error ? <p className="callout callout-danger">{error}</p> : null}</div>
          <div className="form-actions">
            <button type="submit" className="button button-primary" disabled={busy}>Save password</button>
          </div>
        </form>
      </div>
    </div>
  )
}
