// What the `health` function reports: the database's version and the versions of the extensions the
// product relies on, installed and available. The stack's readiness check calls it.
import type postgres from 'postgres'

const REPORTED_EXTENSIONS = ['pg_cron', 'pgmq', 'pg_net', 'supabase_vault', 'pgcrypto'] as const

export interface HealthReport {
  status: 'ok'
  postgres: string
  extensions: Record<string, { installed: string | null; available: string | null }>
}

export async function healthReport(sql: postgres.Sql): Promise<HealthReport> {
  const [{ version }] = await sql<{ version: string }[]>`select current_setting('server_version') as version`
  const rows = await sql<{ name: string; installed: string | null; available: string | null }[]>`
    select a.name, e.extversion as installed, a.default_version as available
    from pg_available_extensions a left join pg_extension e on e.extname = a.name
    where a.name = any(${REPORTED_EXTENSIONS as unknown as string[]})`
  const extensions: HealthReport['extensions'] = {}
  for (const name of REPORTED_EXTENSIONS) {
    const row = rows.find((r) => r.name === name)
    extensions[name] = { installed: row?.installed ?? null, available: row?.available ?? null }
  }
  return { status: 'ok', postgres: version, extensions }
}
