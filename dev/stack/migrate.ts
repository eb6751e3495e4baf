// Migrations are applied by the real Supabase CLI (`supabase migration up`), never by our own runner.
import path from 'node:path'
import { ROOT, type Profile } from './config.ts'
import { superuser } from './postgres.ts'
import { runOk } from './proc.ts'
import { DENO, type Keys } from './services.ts'

export const SUPABASE_CLI = path.join(ROOT, 'node_modules/.bin/supabase')
export const TYPES_FILE = path.join(ROOT, 'supabase/functions/_shared/database.types.ts')

/** Where generated types look: every schema a client role can reach. */
const TYPED_SCHEMAS = ['public']

function cliEnv(): NodeJS.ProcessEnv {
  // Loopback has no TLS; without this the CLI tries it first and prints a warning into gen types' output.
  return { ...process.env, PGSSLMODE: 'disable', SUPABASE_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1', NO_COLOR: '1' }
}

/**
 * Applies pending migrations. `--yes` is required: without a terminal the CLI otherwise declines to
 * apply anything on a port it treats as remote, and still exits 0. `--include-all` applies a migration
 * that a merge brought in with an earlier timestamp than ones already applied to a local database.
 */
export async function migrate(p: Profile): Promise<string> {
  const r = await runOk(SUPABASE_CLI, ['migration', 'up', '--yes', '--include-all', '--db-url', p.dbUrl], { cwd: ROOT, env: cliEnv() })
  const out = r.stdout + r.stderr
  if (/Nothing was changed|Confirmation required/.test(out)) throw new Error(`supabase migration up applied nothing:\n${out}`)
  return out
}

/** Names of the migrations recorded as applied by the CLI. */
export async function appliedMigrations(p: Profile): Promise<string[]> {
  const sql = superuser(p)
  try {
    const rows = await sql<{ version: string }[]>`select version from supabase_migrations.schema_migrations order by version`
    return rows.map((r) => r.version)
  } finally {
    await sql.end()
  }
}

/** Generated TypeScript types of the database: `supabase gen types typescript`, formatted by `deno fmt`. */
export async function generateTypes(p: Profile): Promise<string> {
  const r = await runOk(SUPABASE_CLI, ['gen', 'types', 'typescript', '--db-url', p.dbUrl, '--schema', TYPED_SCHEMAS.join(',')], {
    cwd: ROOT,
    env: cliEnv(),
  })
  // Formatted as `deno fmt` formats the rest of supabase/functions (deno.json's `fmt`), so the file
  // passes the format check and the staleness test compares like with like.
  const formatted = await runOk(DENO, ['fmt', '--config', path.join(ROOT, 'supabase/functions/deno.json'), '--ext', 'ts', '-'], { cwd: ROOT, input: r.stdout })
  return formatted.stdout
}

/**
 * Stores the project URL and service-role key in vault, where pg_cron jobs read them to call edge
 * functions through pg_net (hosted projects set the same two secrets once, see README).
 */
export async function seedVault(p: Profile, keys: Keys): Promise<void> {
  const sql = superuser(p)
  try {
    const [{ present }] = await sql<{ present: boolean }[]>`select exists (select 1 from pg_extension where extname = 'supabase_vault') as present`
    if (!present) return
    for (const [name, value] of [['project_url', p.apiUrl], ['service_role_key', keys.serviceRole]] as const) {
      const [row] = await sql<{ id: string }[]>`select id from vault.secrets where name = ${name}`
      if (row) await sql`select vault.update_secret(${row.id}::uuid, ${value})`
      else await sql`select vault.create_secret(${value}, ${name})`
    }
  } finally {
    await sql.end()
  }
}
