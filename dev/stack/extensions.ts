// Extensions that Debian does not package, installed into the server's extension directory so that
// migrations can say `create extension if not exists ...` exactly as on hosted Supabase:
// - pgmq, the real one: its SQL-only install scripts come from the pinned `pgmq` crate (crates.io);
// - pg_net and supabase_vault: development-only stand-ins (dev/extensions/) with the same SQL signatures.
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { PG_SHARE, ROOT } from './config.ts'
import { runOk } from './proc.ts'

/** The pgmq crate whose embedded SQL we install; it carries pgmq extension 1.11.1. */
export const PGMQ_CRATE_VERSION = '0.33.7'

const EXT_DIR = path.join(PG_SHARE, 'extension')

/** Copies a file only when its content differs, so repeated starts touch nothing. */
function install(src: string, destName: string): boolean {
  const dest = path.join(EXT_DIR, destName)
  const data = readFileSync(src)
  if (existsSync(dest) && readFileSync(dest).equals(data)) return false
  copyFileSync(src, dest)
  return true
}

/**
 * Downloads the pinned pgmq crate with cargo (cached in ~/.cargo) and returns its source directory.
 * A throwaway manifest under .local/ depends on the exact version; `cargo metadata` says where it is.
 */
async function fetchPgmqCrate(): Promise<string> {
  const dir = path.join(ROOT, '.local', 'cargo-pgmq')
  mkdirSync(path.join(dir, 'src'), { recursive: true })
  writeFileSync(
    path.join(dir, 'Cargo.toml'),
    `[package]\nname = "pgmq-sql-fetch"\nversion = "0.0.0"\nedition = "2021"\npublish = false\n\n` +
      `[lib]\npath = "src/lib.rs"\n\n[dependencies]\npgmq = { version = "=${PGMQ_CRATE_VERSION}", default-features = false }\n`,
  )
  writeFileSync(path.join(dir, 'src', 'lib.rs'), '')
  const cargo = existsSync(path.join(process.env.HOME ?? '/root', '.cargo/bin/cargo'))
    ? path.join(process.env.HOME ?? '/root', '.cargo/bin/cargo')
    : 'cargo'
  const manifest = path.join(dir, 'Cargo.toml')
  await runOk(cargo, ['fetch', '--quiet', '--manifest-path', manifest])
  const meta = JSON.parse(
    (await runOk(cargo, ['metadata', '--format-version', '1', '--manifest-path', manifest])).stdout,
  ) as { packages: { name: string; version: string; manifest_path: string }[] }
  const pkg = meta.packages.find((p) => p.name === 'pgmq' && p.version === PGMQ_CRATE_VERSION)
  if (!pkg) throw new Error(`cargo did not resolve pgmq ${PGMQ_CRATE_VERSION}`)
  return path.dirname(pkg.manifest_path)
}

/** Installs pgmq's control file, base script and upgrade scripts; returns the extension version. */
async function installPgmq(): Promise<string> {
  const crate = await fetchPgmqCrate()
  const embedded = path.join(crate, 'src/install/embedded')
  const control = readFileSync(path.join(embedded, 'pgmq.control'), 'utf8')
  const version = /default_version\s*=\s*'([^']+)'/.exec(control)?.[1]
  if (!version) throw new Error('pgmq.control in the crate has no default_version')
  // The SQL-only install has no shared library; drop the module path so nothing tries to load one.
  const tmpControl = path.join(ROOT, '.local', 'cargo-pgmq', 'pgmq.control')
  writeFileSync(tmpControl, control.replace(/^module_pathname.*$/m, '').replace(/\n{2,}/g, '\n'))
  install(tmpControl, 'pgmq.control')
  const sqlDir = path.join(embedded, 'sql')
  install(path.join(sqlDir, 'pgmq.sql'), `pgmq--${version}.sql`)
  for (const f of readdirSync(sqlDir)) if (f.includes('--')) install(path.join(sqlDir, f), f)
  return version
}

/** Installs the development-only stand-ins for pg_net and supabase_vault. */
function installStandIns(): void {
  for (const ext of ['pg_net', 'supabase_vault']) {
    const dir = path.join(ROOT, 'dev/extensions', ext)
    for (const f of readdirSync(dir)) install(path.join(dir, f), f)
  }
}

export async function installExtensions(): Promise<{ pgmq: string }> {
  const pgmq = await installPgmq()
  installStandIns()
  return { pgmq }
}
