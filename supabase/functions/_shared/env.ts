// Environment access that works the same under Deno (edge functions) and Node (vitest).
const deno = (globalThis as { Deno?: { env: { get(k: string): string | undefined } } }).Deno

/** A required setting; a missing one is a configuration error that names the variable. */
export function env(name: string, fallback?: string): string {
  const value = deno ? deno.env.get(name) : process.env[name]
  if (value !== undefined && value !== '') return value
  if (fallback !== undefined) return fallback
  throw new Error(`missing environment variable ${name} (see .env.example)`)
}
