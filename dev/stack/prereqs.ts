// System prerequisites of the local stack: Debian packages, installed with apt when missing (we run as
// root on the dev and CI machines), and a clear message naming the package when that is not possible.
import { existsSync } from 'node:fs'
import { run } from './proc.ts'

export interface SystemPackage {
  /** Debian package name. */
  name: string
  /** What needs it, for the error message. */
  why: string
  /** A file the package installs; its presence means the package is usable. */
  provides: string
}

const SYSTEM_PACKAGES: SystemPackage[] = [
  { name: 'postgresql-15', why: 'the Postgres 15 server', provides: '/usr/lib/postgresql/15/bin/postgres' },
  { name: 'postgresql-15-cron', why: 'pg_cron', provides: '/usr/share/postgresql/15/extension/pg_cron.control' },
  { name: 'postgresql-15-pgtap', why: 'pgTAP and pg_prove', provides: '/usr/share/postgresql/15/extension/pgtap.control' },
  {
    name: 'postgresql-15-plpgsql-check',
    why: 'plpgsql_check (supabase db lint)',
    provides: '/usr/share/postgresql/15/extension/plpgsql_check.control',
  },
  // The end-to-end tests drive Debian's Chromium with playwright-core (no browser download).
  { name: 'chromium', why: 'the browser for the end-to-end tests', provides: '/usr/bin/chromium' },
]

export class MissingPackageError extends Error {
  constructor(
    readonly packages: SystemPackage[],
    detail: string,
  ) {
    super(
      `missing system package${packages.length > 1 ? 's' : ''}: ` +
        packages.map((p) => `${p.name} (${p.why})`).join(', ') +
        `\n  install with: sudo apt-get install -y ${packages.map((p) => p.name).join(' ')}` +
        (detail ? `\n  ${detail}` : ''),
    )
    this.name = 'MissingPackageError'
  }
}

/**
 * Makes sure every package is present, installing the missing ones with apt when allowed
 * (root, and STACK_NO_INSTALL unset). Throws MissingPackageError naming what is still missing.
 */
export async function ensureSystemPackages(
  packages: SystemPackage[] = SYSTEM_PACKAGES,
  log: (line: string) => void = () => {},
): Promise<void> {
  const missing = packages.filter((p) => !existsSync(p.provides))
  if (missing.length === 0) return
  const canInstall = process.getuid?.() === 0 && !process.env.STACK_NO_INSTALL && existsSync('/usr/bin/apt-get')
  if (!canInstall) {
    throw new MissingPackageError(missing, 'automatic install needs root and apt-get (and STACK_NO_INSTALL unset)')
  }
  log(`installing ${missing.map((p) => p.name).join(' ')} with apt-get`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  let r = await run('apt-get', ['install', '-y', '-qq', ...missing.map((p) => p.name)], { env })
  if (r.code !== 0) {
    // A fresh machine has no package lists yet.
    await run('apt-get', ['update', '-qq'], { env })
    r = await run('apt-get', ['install', '-y', '-qq', ...missing.map((p) => p.name)], { env })
  }
  const still = missing.filter((p) => !existsSync(p.provides))
  if (still.length > 0) {
    const detail = (r.stderr || r.stdout).trim().split('\n').slice(-2).join(' / ')
    throw new MissingPackageError(still, `apt-get failed: ${detail}`)
  }
}
