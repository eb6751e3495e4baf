// The migration manifest, supabase/migrations.sha256: one `<sha256>  migrations/<file>` line per landed
// migration (the format of `sha256sum`, so `cd supabase && sha256sum -c migrations.sha256` checks it too).
// A hosted project applies a migration once and never again, so a landed migration must never change:
// the manifest pins each one's bytes, and a change is reported with what to do instead.
import { createHash } from 'node:crypto'
import { appendFileSync, existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'

export const MANIFEST = 'migrations.sha256'

interface ManifestEntry {
  hash: string
  /** Relative to supabase/, e.g. `migrations/20261122000000_platform_extensions.sql`. */
  file: string
}

export interface ManifestCheck {
  /** Listed, and its bytes still match. */
  sealed: string[]
  /** In supabase/migrations but not listed. */
  unsealed: string[]
  /** Listed, but its bytes changed since. */
  changed: string[]
  /** Listed, but the file is gone. */
  missing: string[]
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex')

function readManifest(supabaseDir: string): ManifestEntry[] {
  const file = path.join(supabaseDir, MANIFEST)
  if (!existsSync(file)) return []
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      const m = /^([0-9a-f]{64}) {2}(migrations\/\S+\.sql)$/.exec(line)
      if (!m) throw new Error(`${MANIFEST} line ${i + 1} is not "<sha256>  migrations/<file>.sql": ${line}`)
      return { hash: m[1], file: m[2] }
    })
}

function migrationFiles(supabaseDir: string): string[] {
  const dir = path.join(supabaseDir, 'migrations')
  return readdirSync(dir).filter((f) => f.endsWith('.sql')).sort().map((f) => `migrations/${f}`)
}

export function checkManifest(supabaseDir: string): ManifestCheck {
  const entries = readManifest(supabaseDir)
  const listed = new Set(entries.map((e) => e.file))
  const result: ManifestCheck = { sealed: [], unsealed: [], changed: [], missing: [] }
  for (const e of entries) {
    const file = path.join(supabaseDir, e.file)
    if (!existsSync(file)) result.missing.push(e.file)
    else if (sha256(file) !== e.hash) result.changed.push(e.file)
    else result.sealed.push(e.file)
  }
  result.unsealed = migrationFiles(supabaseDir).filter((f) => !listed.has(f))
  return result
}

/** One line per problem, each saying what to do; empty when the manifest and the migrations agree. */
export function manifestProblems(c: ManifestCheck): string[] {
  return [
    ...c.changed.map((f) => `${f} changed after it landed: hosted projects that applied it never apply it again, so restore it and write a new migration instead`),
    ...c.missing.map((f) => `${f} was deleted after it landed: restore it (hosted projects have applied it) and write a new migration to undo it`),
    ...c.unsealed.map((f) => `${f} is not in supabase/${MANIFEST}: add it with \`npm run migrations:seal\``),
  ]
}

/** Appends a line for each migration not yet listed; never rewrites or removes an existing line. */
export function sealNew(supabaseDir: string): string[] {
  const { unsealed } = checkManifest(supabaseDir)
  if (unsealed.length === 0) return []
  const file = path.join(supabaseDir, MANIFEST)
  const text = existsSync(file) ? readFileSync(file, 'utf8') : ''
  const lead = text === '' || text.endsWith('\n') ? '' : '\n'
  appendFileSync(file, lead + unsealed.map((f) => `${sha256(path.join(supabaseDir, f))}  ${f}\n`).join(''))
  return unsealed
}
