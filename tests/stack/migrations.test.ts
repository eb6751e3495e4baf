// Migrations go through the real Supabase CLI; applying them again changes nothing; the committed
// generated types match the database; pinned versions agree between Node and Deno.
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { ROOT } from '../../dev/stack/config.ts'
import { appliedMigrations, generateTypes, migrate, TYPES_FILE } from '../../dev/stack/migrate.ts'
import { adminSql, stackProfile } from '../helpers/stack.ts'

const sql = adminSql()
afterAll(() => sql.end())

/**
 * A fingerprint of every object definition outside the system schemas. Left out: what other test files
 * create and drop while this one runs (their own pgmq queues, the engine test's scratch schema, temp
 * tables), which migrations do not own.
 */
async function schemaFingerprint(): Promise<string> {
  const [row] = await sql`
    select md5(string_agg(def, E'\n' order by def)) as fp from (
      select format('%s.%s %s %s', table_schema, table_name, column_name, data_type) as def
        from information_schema.columns where table_schema not in ('pg_catalog', 'information_schema', 'stack_test')
          and table_schema not like 'pg\_temp\_%' and table_schema not like 'pg\_toast\_temp\_%'
          and not (table_schema = 'pgmq' and (table_name like 'q\_%' or table_name like 'a\_%') and table_name not in ('q_stripe_events', 'a_stripe_events'))
      union all
      select format('%s.%s(%s) %s', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), md5(p.prosrc))
        from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname not in ('pg_catalog', 'information_schema')
      union all
      select format('policy %s.%s %s', schemaname, tablename, policyname) from pg_policies
    ) d`
  return row.fp as string
}

describe('migrations', () => {
  test('every migration file is recorded as applied by the Supabase CLI', async () => {
    const files = readdirSync(path.join(ROOT, 'supabase/migrations')).filter((f) => f.endsWith('.sql'))
    const versions = files.map((f) => f.split('_')[0]).sort()
    expect(await appliedMigrations(stackProfile)).toEqual(versions)
  })

  test('applying the migrations a second time is a no-op', async () => {
    const before = await schemaFingerprint()
    const out = await migrate(stackProfile)
    expect(out).toMatch(/up to date/i)
    expect(out).not.toMatch(/Applying migration/)
    expect(await schemaFingerprint()).toBe(before)
  })

  test('migration file names follow YYYYMMDDHHmmss_snake_case.sql and open with a comment', () => {
    for (const f of readdirSync(path.join(ROOT, 'supabase/migrations'))) {
      expect(f).toMatch(/^\d{14}_[a-z0-9_]+\.sql$/)
      expect(readFileSync(path.join(ROOT, 'supabase/migrations', f), 'utf8')).toMatch(/^--/)
    }
  })

  test('the committed database types equal what supabase gen types writes now', async () => {
    const committed = readFileSync(TYPES_FILE, 'utf8')
    expect(committed, 'run `npm run gen:types` with the stack running and commit the result').toBe(await generateTypes(stackProfile))
  })
})

describe('pinned versions', () => {
  test('deno.json pins the same npm versions as package.json', () => {
    const deno = JSON.parse(readFileSync(path.join(ROOT, 'supabase/functions/deno.json'), 'utf8')) as { imports: Record<string, string> }
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }
    for (const [name, spec] of Object.entries(deno.imports)) {
      // npm:<name>@<version>[/<subpath>], where <name> may be scoped; a prefix mapping (`"pkg/": "npm:/pkg@x/"`,
      // for the package's subpath imports) is written with a slash after `npm:`.
      const m = /^npm:\/?((?:@[^@/]+\/)?[^@/]+)@([^/]+)(\/.*)?$/.exec(spec)
      expect(m, `${name} must be a pinned npm: specifier`).not.toBeNull()
      expect(pkg.dependencies[m![1]], `${m![1]} in package.json`).toBe(m![2])
    }
  })

  test('product SQL and functions call only pgmq functions that hosted pgmq 1.4 also has', () => {
    const allowed = new Set(['create', 'send', 'send_batch', 'read', 'read_with_poll', 'pop', 'set_vt', 'archive', 'delete', 'metrics', 'metrics_all', 'purge_queue', 'drop_queue', 'list_queues', 'create_non_partitioned'])
    const used = new Set<string>()
    const scan = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name)
        if (e.isDirectory() && e.name !== 'node_modules') scan(p)
        // Function calls; not a queue's own table (pgmq.q_<queue>, pgmq.a_<queue>, as 1.4 has them), which an
        // index on it (`on pgmq.q_stripe_events ((...))`) also follows with a parenthesis.
        else if (/\.(sql|ts)$/.test(e.name)) for (const m of readFileSync(p, 'utf8').matchAll(/pgmq\.(?![qa]_)(\w+)\s*\(/g)) used.add(m[1])
      }
    }
    scan(path.join(ROOT, 'supabase/migrations'))
    scan(path.join(ROOT, 'supabase/functions'))
    expect([...used].filter((f) => !allowed.has(f))).toEqual([])
  })
})
