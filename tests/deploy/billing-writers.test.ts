// One writer per fact: an organization's billing fields are written only by SQL functions in `billing`
// named for the fact (migration 20261130100000_organization_billing_writers.sql). TypeScript under
// supabase/functions calls them and never writes public.organizations itself, so no second copy of a
// rule (which statuses a failed payment may replace, when a payment ends dunning...) can drift.
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { expect, test } from 'vitest'
import { ROOT } from '../../dev/stack/config.ts'

const FUNCTIONS = path.join(ROOT, 'supabase/functions')

/** Statements in `source` that write the organizations table directly (any schema qualification). */
function directWrites(source: string): string[] {
  const write = /\b(?:update|insert\s+into|delete\s+from)\s+(?:only\s+)?(?:"?public"?\.)?"?organizations"?(?=[\s(]|$)/gi
  return [...source.matchAll(write)].map((m) => m[0].replace(/\s+/g, ' '))
}

function typeScriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((d) => d.isFile() && d.name.endsWith('.ts') && !d.parentPath.includes('node_modules'))
    .map((d) => path.join(d.parentPath, d.name))
}

test('the check finds a direct write of organizations in any form, and not a call of a writer', () => {
  expect(directWrites('await sql`update public.organizations set billing_status = ${s} where id = ${id}`')).toEqual(['update public.organizations'])
  expect(directWrites('sql`UPDATE organizations o SET plan_limits = ...`')).toEqual(['UPDATE organizations'])
  expect(directWrites('sql`insert into public.organizations (name) values (${n})`')).toEqual(['insert into public.organizations'])
  expect(directWrites('sql`update\n  "public"."organizations" set x = 1`')).toEqual(['update "public"."organizations"'])
  expect(directWrites('sql`select billing.service_role_mark_payment_failed(${id}, ${at})`')).toEqual([])
  expect(directWrites('sql`select id from public.organizations where id = ${id}`')).toEqual([])
  expect(directWrites('sql`update public.organization_members set role = ${r}`')).toEqual([])
})

test('no TypeScript under supabase/functions writes public.organizations directly', () => {
  const found = typeScriptFiles(FUNCTIONS).flatMap((file) => directWrites(readFileSync(file, 'utf8')).map((w) => `${path.relative(ROOT, file)}: ${w}`))
  expect(found).toEqual([])
})
