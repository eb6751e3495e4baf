// Where the running test stack is, for integration tests: URLs, keys and a superuser connection.
import { createClient } from '@supabase/supabase-js'
import postgres from 'postgres'
import WebSocket from 'ws'
import { apiKeys, profile, type Profile } from '../../dev/stack/config.ts'

export const stackProfile: Profile = profile(process.env.STACK_PROFILE ?? 'test')
export const keys = await apiKeys(stackProfile)
export const apiUrl = stackProfile.apiUrl
export const functionsUrl = `${apiUrl}/functions/v1`

/**
 * A throwaway stack profile for a test that starts stacks of its own, named after the running test stack
 * (TEST_PROFILE / STACK_PROFILE), so two suites running at once never share one.
 */
export function probeProfile(what: string, root?: string): Profile {
  return profile(`${stackProfile.name}-probe-${what}`, root)
}

/** A superuser connection to the test database; close it in afterAll. */
export function adminSql(): postgres.Sql {
  return postgres(stackProfile.dbUrl, { max: 2, onnotice: () => {} })
}

/** A unique suffix so tests that run in parallel never share rows. */
export function uniq(prefix = 't'): string {
  return `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`
}

/** A supabase-js client on the stack's gateway (Node 20 has no global WebSocket, so realtime gets ws). */
export function supabaseClient(key = keys.anon) {
  return createClient(apiUrl, key, {
    auth: { persistSession: false, autoRefreshToken: false },
    realtime: { transport: WebSocket as unknown as typeof globalThis.WebSocket },
  })
}
