// The long-running processes of the local stack, each with its command, environment and health check.
// Later parts (the Stripe emulator, the web app) add an entry here and plug into the same start-up.
import { existsSync, readFileSync, rmSync } from 'node:fs'
import path from 'node:path'
import { specPaths } from '../stripe-emulator/contract/spec-location.ts'
import { ROOT, type Profile } from './config.ts'

/** Auth's `minimum_password_length` from supabase/config.toml, so the stand-in enforces what the real Auth does. */
export function minimumPasswordLength(): number {
  const toml = readFileSync(path.join(ROOT, 'supabase/config.toml'), 'utf8')
  const m = /^\[auth\][\s\S]*?^minimum_password_length\s*=\s*(\d+)/m.exec(toml)
  if (!m) throw new Error('supabase/config.toml has no [auth] minimum_password_length')
  return Number(m[1])
}

export interface ServiceSpec {
  name: string
  /** Ports it listens on, checked to be free before it starts. */
  ports: number[]
  cmd: string
  args: string[]
  env: Record<string, string>
  /** True once the service answers. */
  healthy: () => Promise<boolean>
  /** Shown in the start-up table. */
  url?: string
  /** Runs before each start (the first and every restart), e.g. to clear a readiness marker. */
  beforeStart?: () => void
}

export interface Keys {
  anon: string
  serviceRole: string
}

/** Local-only credentials shared by the emulator and the functions; not Stripe keys. */
export const LOCAL_STRIPE_KEY = 'sk_test_local_emulator'
export const LOCAL_WEBHOOK_SECRET = 'whsec_local_development_only'
export const LOCAL_EXPORT_SECRET = 'local-development-export-signing-secret'

const NODE_TS = [process.execPath, '--import', 'tsx'] as const
export const DENO = path.join(ROOT, 'node_modules/deno/deno')

async function ok(url: string, init?: RequestInit): Promise<boolean> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(2000) })
  await res.arrayBuffer()
  return res.ok
}

/** The web app's address that links in emails lead to; tests' own runners render with the same one. */
export const appUrlOf = (p: Profile): string => process.env.APP_URL ?? `http://127.0.0.1:${p.ports.web}`

/** What every edge function sees: Supabase's variables plus the project's own (.env). */
function functionEnv(p: Profile, keys: Keys): Record<string, string> {
  return {
    SUPABASE_URL: p.apiUrl,
    SUPABASE_ANON_KEY: keys.anon,
    SUPABASE_SERVICE_ROLE_KEY: keys.serviceRole,
    SUPABASE_DB_URL: p.dbUrl,
    JWT_SECRET: p.jwtSecret,
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(p.ports.smtp),
    // The local Stripe emulator, its test key and the secret it signs webhooks with; .env overrides
    // them (for example to use real Stripe test mode: unset STRIPE_API_BASE there).
    STRIPE_API_BASE: process.env.STRIPE_API_BASE ?? `http://127.0.0.1:${p.ports.stripe}`,
    STRIPE_SECRET_KEY: process.env.STRIPE_SECRET_KEY ?? LOCAL_STRIPE_KEY,
    STRIPE_WEBHOOK_SECRETS: process.env.STRIPE_WEBHOOK_SECRETS ?? LOCAL_WEBHOOK_SECRET,
    EXPORT_SIGNING_SECRET: process.env.EXPORT_SIGNING_SECRET ?? LOCAL_EXPORT_SECRET,
    APP_URL: appUrlOf(p),
    // The product's clock follows the emulator's (supabase/functions/_shared/clock.ts); not with real Stripe.
    PRODUCT_CLOCK_URL: process.env.PRODUCT_CLOCK_URL ?? (process.env.STRIPE_API_BASE ? '' : `http://127.0.0.1:${p.ports.stripe}/_emulator/clock`),
    // React's production build for the emails, as hosted functions get with the secret (.env.example).
    NODE_ENV: process.env.NODE_ENV ?? 'production',
  }
}

const pick = (...names: string[]) => Object.fromEntries(names.filter((n) => process.env[n]).map((n) => [n, process.env[n]!]))

export const stripeSnapshot = (p: Profile) => path.join(p.dir, 'stripe-emulator.json')

export function serviceSpecs(p: Profile, keys: Keys, watch = false): ServiceSpec[] {
  const base = { PROJECT_ROOT: ROOT, JWT_SECRET: p.jwtSecret, PATH: process.env.PATH ?? '' }
  const fnEnv = functionEnv(p, keys)
  return [
    {
      name: 'auth',
      ports: [p.ports.auth],
      cmd: NODE_TS[0],
      args: [...NODE_TS.slice(1), path.join(ROOT, 'dev/auth/server.ts')],
      env: {
        ...base,
        AUTH_PORT: String(p.ports.auth),
        AUTH_DB_URL: `postgresql://supabase_auth_admin:postgres@127.0.0.1:${p.ports.db}/postgres`,
        AUTH_ISSUER: `${p.apiUrl}/auth/v1`,
        AUTH_MINIMUM_PASSWORD_LENGTH: String(minimumPasswordLength()),
        // Recovery and email-change links go by SMTP to maildev and lead back to the web app.
        AUTH_SMTP_HOST: '127.0.0.1',
        AUTH_SMTP_PORT: String(p.ports.smtp),
        AUTH_SITE_URL: fnEnv.APP_URL,
      },
      healthy: () => ok(`http://127.0.0.1:${p.ports.auth}/health`),
    },
    {
      // The gateway and the edge functions in one Deno process, each function in a Deno Worker of its
      // own, as Supabase's edge runtime routes requests to a user worker per function.
      name: 'functions',
      ports: [p.ports.api],
      cmd: DENO,
      args: [
        'run', '-A', '--quiet', '--config', path.join(ROOT, 'supabase/functions/deno.json'),
        // Watches the loaded module graph (functions, _shared, emails). Watching the folder instead
        // restarts forever: Deno writes its node_modules and lock file there. A new function folder
        // needs a restart of npm start.
        ...(watch ? ['--watch'] : []),
        // Development only: FUNCTIONS_INSPECT=127.0.0.1:9339 opens V8's inspector on the functions host,
        // to take a CPU profile of it under load (`npm run profile:cpu`, dev/profile/cpu.ts).
        ...(process.env.FUNCTIONS_INSPECT ? [`--inspect=${process.env.FUNCTIONS_INSPECT}`] : []),
        path.join(ROOT, 'dev/functions/host.ts'),
      ],
      env: {
        ...base,
        // The inspector sees the main thread's isolate: with it open, every function runs there.
        ...(process.env.FUNCTIONS_INSPECT ? { FUNCTIONS_IN_GATEWAY: '*' } : {}),
        ...(process.env as Record<string, string>),
        ...fnEnv,
        GATEWAY_PORT: String(p.ports.api),
        AUTH_PORT: String(p.ports.auth),
        NO_COLOR: '1',
      },
      // Ready when a function answers through the gateway, with the database behind: the readiness check.
      healthy: () => ok(`${p.apiUrl}/functions/v1/health`, { headers: { authorization: `Bearer ${keys.anon}` } }),
      url: p.apiUrl,
    },
    {
      // DEVELOPMENT ONLY: the Stripe emulator stands in for api.stripe.com, which this machine cannot
      // reach. It signs webhooks to the local stripe-webhook function with the local secret.
      name: 'stripe',
      ports: [p.ports.stripe],
      cmd: NODE_TS[0],
      args: [...NODE_TS.slice(1), path.join(ROOT, 'dev/stripe-emulator/main.ts')],
      env: {
        ...base,
        STRIPE_EMULATOR_PORT: String(p.ports.stripe),
        STRIPE_WEBHOOK_URL: `${p.apiUrl}/functions/v1/stripe-webhook`,
        STRIPE_WEBHOOK_SECRET: LOCAL_WEBHOOK_SECRET,
        // Its state survives restarts, as the database does; stack:reset removes both.
        STRIPE_EMULATOR_SNAPSHOT: stripeSnapshot(p),
        STRIPE_EMULATOR_RETRY_BASE_MS: p.name === 'dev' ? '1000' : '200',
        // Stripe's spec (installed by stripe-contract.ts) and, when set, strict mode and its report.
        STRIPE_OPENAPI_SPEC: specPaths().spec,
        ...pick('STRIPE_EMULATOR_STRICT', 'STRIPE_EMULATOR_REPORT'),
      },
      healthy: () => ok(`http://127.0.0.1:${p.ports.stripe}/_emulator/health`),
      url: `http://127.0.0.1:${p.ports.stripe}`,
    },
    {
      // The customer web app (web/), served by Vite with the local API and anon key baked in.
      name: 'web',
      ports: [p.ports.web],
      cmd: process.execPath,
      args: [path.join(ROOT, 'node_modules/vite/bin/vite.js'), '--config', path.join(ROOT, 'web/vite.config.ts'), '--clearScreen', 'false'],
      env: { ...base, WEB_PORT: String(p.ports.web), VITE_SUPABASE_URL: p.apiUrl, VITE_SUPABASE_ANON_KEY: keys.anon, VITE_CACHE_DIR: path.join(p.dir, 'vite-cache') },
      healthy: () => ok(`http://127.0.0.1:${p.ports.web}/`),
      url: `http://127.0.0.1:${p.ports.web}`,
    },
    {
      name: 'relay',
      ports: [],
      cmd: NODE_TS[0],
      args: [...NODE_TS.slice(1), path.join(ROOT, 'dev/relay/relay.ts')],
      env: { ...base, RELAY_DB_URL: p.dbUrl, RELAY_READY_FILE: path.join(p.dir, 'relay.ready') },
      healthy: async () => existsSync(path.join(p.dir, 'relay.ready')),
      beforeStart: () => rmSync(path.join(p.dir, 'relay.ready'), { force: true }),
    },
    {
      name: 'mail',
      ports: [p.ports.smtp, p.ports.mail],
      cmd: process.execPath,
      args: [
        path.join(ROOT, 'node_modules/maildev/dist/bin/maildev.js'),
        '--smtp', String(p.ports.smtp), '--ip', '127.0.0.1', '--web', String(p.ports.mail), '--web-ip', '127.0.0.1', '--silent',
      ],
      env: { ...base },
      healthy: () => ok(`http://127.0.0.1:${p.ports.mail}/api/email`),
      url: `http://127.0.0.1:${p.ports.mail}`,
    },
  ]
}
