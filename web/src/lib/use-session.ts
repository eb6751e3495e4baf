// The signed-in user's session from supabase-js: undefined while it is being read from storage.
import type { Session, SupabaseClient } from '@supabase/supabase-js'
import { useEffect, useState } from 'react'

/** Follows supabase-js's auth events, so signing in or out anywhere re-renders the app. */
export function useSession(supabase: SupabaseClient): Session | null | undefined {
  const [session, setSession] = useState<Session | null | undefined>(undefined)
  useEffect(() => {
    // onAuthStateChange reports the stored session first (INITIAL_SESSION), then every sign-in,
    // sign-out and token refresh.
    const { data } = supabase.auth.onAuthStateChange((_event, next) => setSession(next))
    return () => data.subscription.unsubscribe()
  }, [supabase])
  return session
}
