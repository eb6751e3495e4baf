/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** The Supabase API URL, e.g. http://127.0.0.1:54321 */
  readonly VITE_SUPABASE_URL?: string
  /** The project's anon (public) key */
  readonly VITE_SUPABASE_ANON_KEY?: string
}
