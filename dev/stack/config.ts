// Where each piece of the local stack lives. Two profiles run side by side: `dev` (npm start, the
// ports in supabase/config.toml) and `test` (npm test, its own ports and cluster), so a test run never
// disturbs a running `npm start`. Other names (used by the stack's own tests) get ports of their own.
import { createHash } from 'node:crypto'
import { existsSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { SignJWT } from 'jose'
import { blockFor } from './port-claims.ts'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const PG_BIN = '/usr/lib/postgresql/15/bin'
export const PG_SHARE = '/usr/share/postgresql/15'

/** Supabase's well-known local JWT secret; override with JWT_SECRET for anything shared. */
const DEFAULT_JWT_SECRET = 'super-secret-jwt-token-with-at-least-32-characters-long'

interface Ports {
  api: number
  db: number
  auth: number
  smtp: number
  mail: number
  stripe: number
  web: number
}

const PROFILE_PORTS: Record<string, Ports> = {
  dev: { api: 54321, db: 54322, auth: 54325, smtp: 1025, mail: 1080, stripe: 12111, web: 3000 },
  test: { api: 55321, db: 55322, auth: 55325, smtp: 2025, mail: 2080, stripe: 13111, web: 4000 },
}

export interface Profile {
  name: string
  dir: string
  /** Where the cluster lives: `dir`, or outside the checkout when the postgres OS user cannot reach it. */
  clusterDir: string
  pgdata: string
  socketDir: string
  /** The server's own log (written by the postgres OS user, so it lives beside the cluster). */
  pgLog: string
  pidFile: string
  logDir: string
  ports: Ports
  dbUrl: string
  apiUrl: string
  jwtSecret: string
}

/** How many blocks from its own a named profile tries when others hold the first ones. */
const BLOCKS_TRIED = 20

/**
 * Ports for a profile; names other than dev/test get a block derived from their name (20000–29999):
 * below Linux's ephemeral range (32768–60999), where an outgoing connection's local port can hold a
 * port in TIME-WAIT and make it look taken. Two names can hash to one block: the block its running
 * stack claimed (port-claims.ts), else the first from its own that no other running profile holds.
 */
function portsFor(name: string, pidFile: string): Ports {
  const fixed = PROFILE_PORTS[name]
  if (fixed) return fixed
  let h = 0
  for (const c of name) h = (h * 31 + c.charCodeAt(0)) >>> 0
  const base = blockFor(Array.from({ length: BLOCKS_TRIED }, (_, i) => 20000 + ((h + i) % 1000) * 10), pidFile)
  return {
    api: base, db: base + 1, auth: base + 2, smtp: base + 3, mail: base + 4, stripe: base + 5, web: base + 6,
  }
}

/**
 * True when every folder above `dir` lets others through (o+x). As root, Postgres runs as the
 * `postgres` OS user, who is "other" to a checkout under a 0700 home (a root user's home is 0700).
 */
export function reachableByOthers(dir: string): boolean {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (existsSync(d) && (statSync(d).mode & 0o001) === 0) return false
    if (d === path.dirname(d)) return true
  }
}

/** Clusters of checkouts the postgres OS user cannot enter: one folder per checkout and profile. */
const OUTSIDE_CLUSTERS = '/var/tmp/stripe-billing-supabase'

function clusterDirFor(root: string, dir: string, name: string): string {
  if (process.getuid?.() !== 0 || reachableByOthers(root)) return dir
  const key = createHash('sha256').update(root).digest('hex').slice(0, 12)
  return path.join(OUTSIDE_CLUSTERS, `${key}-${name}`)
}

export function profile(name = process.env.STACK_PROFILE ?? 'dev', root = ROOT): Profile {
  loadDotEnv()
  const dir = path.join(root, '.local', name)
  const clusterDir = clusterDirFor(root, dir, name)
  const pidFile = path.join(dir, 'pids.json')
  const ports = portsFor(name, pidFile)
  return {
    name,
    dir,
    clusterDir,
    pgdata: path.join(clusterDir, 'pgdata'),
    socketDir: path.join(clusterDir, 'run'),
    pgLog: path.join(clusterDir === dir ? path.join(dir, 'logs') : clusterDir, 'postgres.log'),
    pidFile,
    logDir: path.join(dir, 'logs'),
    ports,
    dbUrl: `postgresql://postgres:postgres@127.0.0.1:${ports.db}/postgres`,
    apiUrl: `http://127.0.0.1:${ports.api}`,
    jwtSecret: process.env.JWT_SECRET ?? DEFAULT_JWT_SECRET,
  }
}

let envLoaded = false
/** Reads the project's `.env` once (values already in the environment win). */
export function loadDotEnv(): void {
  if (envLoaded) return
  envLoaded = true
  const file = path.join(ROOT, '.env')
  if (existsSync(file)) process.loadEnvFile(file)
}

/** The anon and service-role API keys: JWTs signed with the project's secret, as Supabase issues them. */
export async function apiKeys(p: Profile): Promise<{ anon: string; serviceRole: string }> {
  const key = new TextEncoder().encode(p.jwtSecret)
  // Fixed iat/exp so the keys are stable across restarts, like Supabase's local keys.
  const mint = (role: string) =>
    new SignJWT({ iss: 'supabase-demo', role })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuedAt(1700000000)
      .setExpirationTime(2000000000)
      .sign(key)
  return { anon: await mint('anon'), serviceRole: await mint('service_role') }
}
