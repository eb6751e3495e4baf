// A private Postgres 15 cluster per profile under .local/<profile>/pgdata, from Debian's server.
// initdb and postgres refuse to run as root, so as root they run as the `postgres` OS user; when that
// user cannot reach the checkout (cloned under a 0700 folder), the cluster lives in /var/tmp instead
// (see profile().clusterDir).
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import postgres from 'postgres'
import { PG_BIN, type Profile } from './config.ts'
import { assertPortFree } from './ports.ts'
import { run, runOk, sleep } from './proc.ts'

const asRoot = process.getuid?.() === 0

/** Runs a Postgres binary, as the postgres OS user when we are root. */
function pgCmd(bin: string, args: string[]) {
  const exe = path.join(PG_BIN, bin)
  return asRoot ? run('runuser', ['-u', 'postgres', '--', exe, ...args]) : run(exe, args)
}

function pgUser(): { uid: number; gid: number } | undefined {
  if (!asRoot) return undefined
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'))
  if (!line) throw new Error('the postgres OS user does not exist (it comes with the postgresql-15 package)')
  const [, , uid, gid] = line.split(':')
  return { uid: Number(uid), gid: Number(gid) }
}

function ownedDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o755 })
  const u = pgUser()
  if (u) chownSync(dir, u.uid, u.gid)
}

/** Settings the product needs: pg_cron preloaded for this database, loopback only, a private socket. */
function clusterConf(p: Profile): string {
  return [
    `port = ${p.ports.db}`,
    `listen_addresses = '127.0.0.1'`,
    `unix_socket_directories = '${p.socketDir}'`,
    `shared_preload_libraries = 'pg_cron'`,
    `cron.database_name = 'postgres'`,
    `cron.use_background_workers = on`,
    `max_worker_processes = 32`,
    `max_connections = 200`,
    `log_min_messages = warning`,
    '',
  ].join('\n')
}

export async function initCluster(p: Profile): Promise<boolean> {
  if (existsSync(path.join(p.pgdata, 'PG_VERSION'))) return false
  mkdirSync(p.dir, { recursive: true })
  if (p.clusterDir !== p.dir) ownedDir(p.clusterDir)
  ownedDir(p.pgdata)
  ownedDir(p.socketDir)
  const pwfile = path.join(p.socketDir, 'pwfile')
  writeFileSync(pwfile, 'postgres\n')
  const u = pgUser()
  if (u) chownSync(pwfile, u.uid, u.gid)
  const r = await pgCmd('initdb', [
    '-D', p.pgdata, '-U', 'postgres', '--pwfile', pwfile, '-E', 'UTF8', '--locale=C.UTF-8',
    '--auth-local=trust', '--auth-host=scram-sha-256',
  ])
  rmSync(pwfile, { force: true })
  if (r.code !== 0) throw new Error(`initdb failed for ${p.pgdata}:\n${r.stderr || r.stdout}`)
  const conf = path.join(p.pgdata, 'postgresql.conf')
  writeFileSync(conf, readFileSync(conf, 'utf8') + '\n# local stack (dev/stack/postgres.ts)\n' + clusterConf(p))
  return true
}

export async function isRunning(p: Profile): Promise<boolean> {
  if (!existsSync(path.join(p.pgdata, 'PG_VERSION'))) return false
  const r = await pgCmd('pg_ctl', ['status', '-D', p.pgdata])
  return r.code === 0
}

/** The settings that make a commit durable when it is answered (all on by Postgres's defaults). */
export const DURABILITY_SETTINGS = ['fsync', 'synchronous_commit', 'full_page_writes'] as const

/**
 * Whether clusters started now keep Postgres's durability: every stack does (`npm start`, the bench, a
 * scratch profile), as a hosted database does, except under `npm test` (dev/test/run.ts sets
 * STACK_DISPOSABLE=1), whose clusters are thrown away after the run and where fsync only costs time.
 */
export const durableByDefault = (): boolean => process.env.STACK_DISPOSABLE !== '1'

/**
 * Durability as Postgres's defaults have it, or off for a disposable cluster. Given at each start (the
 * command line outranks the configuration files), so a cluster made by an older checkout, whose
 * postgresql.conf turned them off, runs durable too.
 */
function durabilityOptions(durable: boolean): string {
  const on = durable ? 'on' : 'off'
  return DURABILITY_SETTINGS.map((s) => `-c ${s}=${on}`).join(' ')
}

/** Starts the cluster unless it already runs. Returns true when this call started it. */
export async function startCluster(p: Profile, durable = durableByDefault()): Promise<boolean> {
  if (await isRunning(p)) return false
  await assertPortFree(p.ports.db, 'Postgres')
  ownedDir(p.socketDir)
  ownedDir(path.dirname(p.pgLog))
  const r = await pgCmd('pg_ctl', ['start', '-w', '-t', '60', '-D', p.pgdata, '-l', p.pgLog, '-o', durabilityOptions(durable)])
  if (r.code !== 0) {
    throw new Error(`Postgres did not start (see ${p.pgLog}):\n${r.stderr || r.stdout}`)
  }
  return true
}

/** Stops the cluster: `fast` shuts down cleanly; `immediate` is a crash (no checkpoint, recovery at the next start). */
export async function stopCluster(p: Profile, mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
  if (!(await isRunning(p))) return
  await pgCmd('pg_ctl', ['stop', '-w', '-m', mode, '-D', p.pgdata])
}

/** Deletes the cluster's files (stopping it first); a cluster kept outside the checkout goes entirely. */
export async function destroyCluster(p: Profile): Promise<void> {
  await stopCluster(p)
  rmSync(p.clusterDir === p.dir ? p.pgdata : p.clusterDir, { recursive: true, force: true })
}

/** A superuser connection to the profile's database. */
export function superuser(p: Profile, opts: postgres.Options<Record<string, never>> = {}) {
  return postgres(p.dbUrl, { max: 1, onnotice: () => {}, ...opts })
}

/** Waits until the server accepts connections (after a start, or while it recovers). */
export async function waitForDb(p: Profile, timeoutMs = 30000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const r = await run(path.join(PG_BIN, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(p.ports.db), '-q'])
    if (r.code === 0) return
    if (Date.now() > deadline) throw new Error(`Postgres on port ${p.ports.db} is not accepting connections`)
    await sleep(100)
  }
}

/** Runs a SQL file (several statements) as the superuser. */
export async function runSqlFile(p: Profile, file: string): Promise<void> {
  await runOk(path.join(PG_BIN, 'psql'), [p.dbUrl, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', file], {
    env: { ...process.env, PGOPTIONS: '--client-min-messages=warning' },
  })
}
