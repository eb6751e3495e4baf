// The functions' configuration: every environment variable they read, typed, with its default, parsed
// with zod in this one place (documented in .env.example). Each entry point parses it at start, so a
// wrong value stops the function naming the variable; a read parses again only when a value
// changed, so tests may change the env.
import { z } from 'zod'

const deno = (globalThis as { Deno?: { env: { toObject(): Record<string, string> } } }).Deno
/**
 * Deno's environment, read once: an edge function's environment is fixed for its worker's life (a secret
 * set later starts new workers), and each Deno.env.get is an op (config() reads ~40 of them per call, on
 * the hot path: ~0.05 ms a call, a fifth of an empty stripe-sync invocation's JavaScript).
 */
let denoEnv: Record<string, string> | undefined

/** An environment variable: Deno's as the worker started with it, or Node's as it is now (tests change it). */
export function envValue(name: string): string | undefined {
  if (!deno) return process.env[name]
  denoEnv ??= deno.env.toObject()
  return denoEnv[name]
}

const optional = z.string().optional()
const url = z.url().optional()
const int = (min: number, max: number, fallback: number) => z.coerce.number().int().min(min).max(max).default(fallback)
const positive = (fallback: number) => z.coerce.number().positive().default(fallback)
/** A comma-separated list: `a, b,,c` is `['a', 'b', 'c']`. */
const split = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean)
const list = z.string().default('').transform(split)

const Config = z.object({
  // Set by Supabase for every function, locally and hosted.
  SUPABASE_URL: url,
  SUPABASE_SERVICE_ROLE_KEY: optional,
  SUPABASE_DB_URL: optional,
  /** The legacy HS256 secret; unset, users' JWTs are checked against the project's JWKS. */
  JWT_SECRET: optional,
  DB_POOL_SIZE: int(1, 100, 10),
  /** Named prepared statements: unset, on unless SUPABASE_DB_URL is a transaction-mode pooler (db-options.ts). */
  DB_PREPARE: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  SYNC_CPU_BUDGET_MS: int(100, 1800, 1000),
  SYNC_WALL_BUDGET_MS: int(1000, 140_000, 50_000),
  SYNC_VISIBILITY_SECONDS: int(3, 120, 10),
  STRIPE_SECRET_KEY: optional,
  /** Several during a rotation, comma-separated. */
  STRIPE_WEBHOOK_SECRETS: z.string().transform(split).optional(),
  /** The emulator locally; unset in production (api.stripe.com). */
  STRIPE_API_BASE: url,
  STRIPE_TIMEOUT_MS: int(1, 120_000, 10_000),
  /** Local stack only (development only): the emulator's clock. */
  PRODUCT_CLOCK_URL: url,
  EXPORT_SIGNING_SECRET: optional,
  /** Unset: smtp when SMTP_HOST is set, else resend. */
  EMAIL_TRANSPORT: z.enum(['resend', 'smtp']).optional(),
  EMAIL_FROM: z.string().default('Billing <billing@example.test>'),
  RESEND_API_KEY: optional,
  RESEND_API_URL: z.url().default('https://api.resend.com'),
  RESEND_BATCH_SIZE: positive(100),
  RESEND_REQUESTS_PER_SECOND: positive(2),
  SMTP_HOST: optional,
  SMTP_PORT: int(1, 65_535, 25),
  SMTP_USER: z.string().default(''),
  SMTP_PASS: z.string().default(''),
  SMTP_MAX_CONNECTIONS: positive(5),
  EMAILS_DISABLED: list,
  /** The customer web app, for links in emails and Checkout's return (the local stack's web port when unset). */
  APP_URL: z.url().default('http://127.0.0.1:3000'),
})
export type Config = z.infer<typeof Config>
const CONFIG_NAMES = Object.keys(Config.shape) as (keyof Config)[]

/** A configuration value that is wrong: the message names the variable and what it must be. */
export class ConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'ConfigError'
  }
}

/** The last parse, keyed by the raw values it came from: parsing is pure, so equal values parse equal. */
let last: { key: string; config: Config } | undefined

/** The configuration from the environment (Deno's, or Node's under vitest); an empty value is unset. */
export function config(): Config {
  const values = CONFIG_NAMES.map((name) => envValue(name) || undefined)
  // Reading the variables is cheap, parsing them is not (zod, per call on the hot path): parse again
  // only when a value changed (tests change the env between calls).
  const key = JSON.stringify(values)
  if (last?.key === key) return last.config
  const parsed = Config.safeParse(Object.fromEntries(CONFIG_NAMES.map((name, i) => [name, values[i]])))
  if (parsed.success) {
    // Shared by every caller from now on: frozen, so that none can change another's.
    for (const v of Object.values(parsed.data)) if (Array.isArray(v)) Object.freeze(v)
    last = { key, config: Object.freeze(parsed.data) as Config }
    return last.config
  }
  // Names and rules only: a value may be a secret.
  const wrong = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
  throw new ConfigError(`wrong environment variable ${wrong.join('; ')} (see .env.example)`, { cause: parsed.error })
}

type Required = { [K in keyof Config]-?: undefined extends Config[K] ? K : never }[keyof Config]

/** A setting this code path cannot run without; unset, the error names it. */
export function required<K extends Required>(name: K): NonNullable<Config[K]> {
  const value = config()[name]
  if (value === undefined) throw new ConfigError(`missing environment variable ${name} (see .env.example)`)
  return value as NonNullable<Config[K]>
}
