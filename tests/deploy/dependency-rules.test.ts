// The dependency rules (.dependency-cruiser.cjs and dev/test/deps.ts) hold for the repository, and each
// one catches the import it forbids, shown on a small tree laid out like the repository.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, expect, test } from 'vitest'
import { checkDependencies } from '../../dev/test/deps.ts'

test('the repository follows every dependency rule', { timeout: 120_000 }, async () => {
  const r = await checkDependencies()
  expect(r.report).toContain('no dependency violations found')
  expect(r.cruised).toBeGreaterThan(100)
  expect(r.ok).toBe(true)
})

const tree = mkdtempSync(path.join(tmpdir(), 'deps-rules-'))
afterAll(() => rmSync(tree, { recursive: true, force: true }))

function write(file: string, ...imports: string[]) {
  mkdirSync(path.dirname(path.join(tree, file)), { recursive: true })
  writeFileSync(path.join(tree, file), imports.map((i) => `import '${i}'\n`).join('') + 'export const x = 1\n')
}

test('each rule reports the import it forbids, and folders that import each other are a cycle', { timeout: 120_000 }, async () => {
  write('supabase/functions/_shared/sync/run.ts', '../workflows/runner.ts')
  write('supabase/functions/_shared/workflows/runner.ts', '../sync/queue.ts')
  write('supabase/functions/_shared/sync/queue.ts')
  write('supabase/functions/_shared/email/templates.ts', '../../../../emails/receipt.tsx')
  write('supabase/functions/_shared/email/format.ts')
  write('emails/receipt.tsx', '../supabase/functions/_shared/email/format.ts')
  write('supabase/functions/billing/index.ts', '../health/index.ts')
  write('supabase/functions/health/index.ts')
  write('web/src/api.ts', '../../supabase/functions/_shared/sync/queue.ts')
  write('scripts/tool.ts', '../dev/stack/config.ts')
  write('dev/stack/config.ts')
  write('supabase/functions/_shared/a/one.ts', './two.ts')
  write('supabase/functions/_shared/a/two.ts', './one.ts')
  write('supabase/functions/_shared/b/missing.ts', './nowhere.ts')

  const r = await checkDependencies(tree)
  expect(r.ok).toBe(false)
  for (const rule of [
    'sync-and-workflows-apart',
    'workflows-and-sync-apart',
    'functions-self-contained',
    'emails-import-only-the-templates',
    'functions-never-import-each-other',
    'web-imports-only-the-api-contract',
    'product-never-imports-dev',
    'no-circular',
    'not-to-unresolvable',
  ]) {
    expect(r.report).toContain(`error ${rule}:`)
  }
  expect(r.cycles).toEqual(expect.arrayContaining([
    ['emails', 'supabase/functions/_shared/email'],
    ['supabase/functions/_shared/sync', 'supabase/functions/_shared/workflows'],
  ]))
})
