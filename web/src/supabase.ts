// The two clients the app talks to: supabase-js for Auth, and the billing function's API, both
// configured from VITE_SUPABASE_URL and VITE_SUPABASE_ANON_KEY (set by the stack, or in .env).
import { createClient } from '@supabase/supabase-js'
import { createBillingApi } from './api.ts'

const url = (import.meta.env.VITE_SUPABASE_URL ?? '').replace(/\/+$/, '')
const anonKey = import.meta.env.VITE_SUPABASE_ANON_KEY ?? ''

/** The variables that are missing, so the app can say so instead of failing on every request. */
export const missingConfig: string[] = [
  ...(url ? [] : ['VITE_SUPABASE_URL']),
  ...(anonKey ? [] : ['VITE_SUPABASE_ANON_KEY']),
]

// createClient throws without a URL; the placeholder is never called because main.tsx shows the
// configuration message instead of the app when anything is missing.
export const supabase = createClient(url || 'http://127.0.0.1:54321', anonKey || 'missing-anon-key')

export const billingApi = createBillingApi({
  baseUrl: `${url}/functions/v1/billing`,
  anonKey,
  getAccessToken: async () => (await supabase.auth.getSession()).data.session?.access_token ?? null,
})
