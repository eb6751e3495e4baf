// Brings the local stack up and down: system packages, extensions, the Postgres cluster, Supabase's
// roles and auth schema, migrations through the Supabase CLI, then the services, each waited on until
// healthy. Everything started is recorded by PID in .local/<profile>/pids.json so it can be stopped.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { apiKeys, ROOT, type Profile } from './config.ts'
import { installExtensions } from './extensions.ts'
import { ensureStripeContract, STRIPE_MOCK_VERSION } from './stripe-contract.ts'
import { migrate, seedVault } from './migrate.ts'
import { claimPorts, releasePorts } from './port-claims.ts'
import { assertPortFree } from './ports.ts'
import { initCluster, destroyCluster, runSqlFile, startCluster, stopCluster, waitForDb } from './postgres.ts'
import { ensureSystemPackages } from './prereqs.ts'
import { isAlive, killInFlight, spawnService, stopPid, waitFor } from './proc.ts'
import { serviceSpecs, stripeSnapshot, type Keys, type ServiceSpec } from './services.ts'

interface PidFile {
  /** True when this stack started the cluster (a cluster found running is left running). */
  postgres: boolean
  services: Record<string, number>
  /** Set by `down` before it stops anything, so the supervisor does not restart what is being stopped. */
  stopping?: boolean
}

export interface Stack {
  profile: Profile
  keys: Keys
  services: ServiceSpec[]
  pgmqVersion: string
}

export interface UpOptions {
  /** Recreate the cluster from scratch (test runs, stack:reset). */
  fresh?: boolean
  /** Restart functions when their files change. */
  watch?: boolean
  /** Postgres with its durability (fsync, synchronous commit); default: postgres.ts's durableByDefault. */
  durable?: boolean
  log?: (line: string) => void
}

function readPids(p: Profile): PidFile {
  if (!existsSync(p.pidFile)) return { postgres: false, services: {} }
  return JSON.parse(readFileSync(p.pidFile, 'utf8')) as PidFile
}

/** Written to a temporary file and renamed, so a reader (stack:down, a test) never sees half of it. */
function writePids(p: Profile, pids: PidFile): void {
  mkdirSync(p.dir, { recursive: true })
  writeFileSync(`${p.pidFile}.tmp`, JSON.stringify(pids, null, 2))
  renameSync(`${p.pidFile}.tmp`, p.pidFile)
}

/** Services of this profile that are still alive from an earlier start. */
export function runningServices(p: Profile): Record<string, number> {
  return Object.fromEntries(Object.entries(readPids(p).services).filter(([, pid]) => isAlive(pid)))
}

/** Applies Supabase's roles and the auth schema, which exist before migrations on a Supabase project. */
async function bootstrapDatabase(p: Profile): Promise<void> {
  await runSqlFile(p, path.join(ROOT, 'dev/sql/roles.sql'))
  await runSqlFile(p, path.join(ROOT, 'dev/auth/schema.sql'))
}

export async function up(p: Profile, opts: UpOptions = {}): Promise<Stack> {
  const log = opts.log ?? (() => {})
  const still = runningServices(p)
  if (Object.keys(still).length > 0) {
    throw new Error(
      `the ${p.name} stack is already running (${Object.entries(still).map(([n, pid]) => `${n} pid ${pid}`).join(', ')}); ` +
        'stop it with `npm run stack:down`' + (p.name === 'dev' ? '' : ` (STACK_PROFILE=${p.name})`),
    )
  }
  const pids: PidFile = { postgres: false, services: {} }
  const keys = await apiKeys(p)
  const specs = serviceSpecs(p, keys, opts.watch)
  // Stop whatever this start has begun if it is interrupted or fails part-way.
  const abort = async () => {
    killInFlight()
    await down(p)
  }
  const onSignal = (sig: NodeJS.Signals) => {
    log(`interrupted (${sig}): stopping what was started`)
    void abort().finally(() => process.exit(130))
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  try {
    // Claimed before they are checked: another profile given the same ports is refused from here on.
    claimPorts({ ...p.ports }, { profile: p.name, pidFile: p.pidFile, pid: process.pid })
    for (const s of specs) for (const port of s.ports) await assertPortFree(port, s.name)
    log('checking system packages')
    await ensureSystemPackages(undefined, log)
    log('installing extensions (pgmq from crates.io, dev stand-ins)')
    const ext = await installExtensions()
    log(`obtaining Stripe's contract (stripe-mock ${STRIPE_MOCK_VERSION} with Go: its OpenAPI spec, for the emulator)`)
    await ensureStripeContract()
    if (opts.fresh) {
      await destroyCluster(p)
      rmSync(stripeSnapshot(p), { force: true })
    }
    if (await initCluster(p)) log(`created a Postgres cluster in ${p.pgdata.startsWith(ROOT) ? path.relative(ROOT, p.pgdata) : p.pgdata}`)
    pids.postgres = await startCluster(p, opts.durable)
    writePids(p, pids)
    log(pids.postgres ? `Postgres started on port ${p.ports.db}` : `Postgres already running on port ${p.ports.db}: reusing it`)
    await waitForDb(p)
    await bootstrapDatabase(p)
    log('applying migrations with the Supabase CLI')
    await migrate(p)
    await seedVault(p, keys)
    for (const s of specs) {
      pids.services[s.name] = launch(p, s)
      writePids(p, pids)
    }
    await Promise.all(
      specs.map((s) =>
        waitFor(`${s.name} (log: ${path.relative(ROOT, path.join(p.logDir, `${s.name}.log`))})`, async () => {
          if (!isAlive(pids.services[s.name])) throw new Error(`${s.name} exited during start-up`)
          return s.healthy()
        }, 60000),
      ),
    )
    return { profile: p, keys, services: specs, pgmqVersion: ext.pgmq }
  } catch (err) {
    await abort()
    throw err
  } finally {
    process.removeListener('SIGINT', onSignal)
    process.removeListener('SIGTERM', onSignal)
  }
}

/** Starts one service in the background, its output in .local/<profile>/logs/<name>.log; returns its PID. */
function launch(p: Profile, s: ServiceSpec): number {
  s.beforeStart?.()
  const child = spawnService(s.cmd, s.args, path.join(p.logDir, `${s.name}.log`), { env: s.env, cwd: ROOT })
  child.unref()
  return child.pid!
}

/**
 * Starts a service again (it died or stopped answering) and records its new PID; null when the stack
 * is being stopped, so nothing is started behind `down`'s back.
 */
export function relaunch(p: Profile, s: ServiceSpec): number | null {
  const pids = readPids(p)
  if (!existsSync(p.pidFile) || pids.stopping) return null
  pids.services[s.name] = launch(p, s)
  writePids(p, pids)
  return pids.services[s.name]
}

/** The PID recorded for a service, and whether the stack is being stopped. */
export function recorded(p: Profile, name: string): { pid: number | undefined; stopping: boolean } {
  const pids = readPids(p)
  return { pid: pids.services[name], stopping: !existsSync(p.pidFile) || !!pids.stopping }
}

/** Stops the services recorded for the profile, and the cluster when the stack had started it. */
export async function down(p: Profile, opts: { cluster?: boolean } = {}): Promise<void> {
  const pids = readPids(p)
  if (existsSync(p.pidFile)) writePids(p, { ...pids, stopping: true })
  await Promise.all(Object.values(pids.services).map((pid) => stopPid(pid)))
  // A service the supervisor restarted just before `stopping` was written.
  const late = Object.values(readPids(p).services).filter((pid) => !Object.values(pids.services).includes(pid))
  await Promise.all(late.map((pid) => stopPid(pid)))
  if (pids.postgres || opts.cluster) await stopCluster(p)
  rmSync(p.pidFile, { force: true })
  releasePorts(Object.values(p.ports), p.pidFile)
}
