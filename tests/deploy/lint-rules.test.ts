// The functions' lint rules (`lint` in supabase/functions/deno.json, `npm run lint:functions`, a step of
// `npm test`) are in force: each probe below breaks one rule the project relies on and must be reported,
// while the same code written the allowed way passes.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, expect, test } from 'vitest'
import { ROOT } from '../../dev/stack/config.ts'
import { DENO } from '../../dev/stack/services.ts'

const dir = mkdtempSync(path.join(tmpdir(), 'lint-rules-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** The rules deno lint reports for `source`, linted with the functions' configuration. */
function violations(name: string, source: string): string[] {
  const file = path.join(dir, `${name}.ts`)
  writeFileSync(file, source)
  const r = spawnSync(DENO, ['lint', '--config', path.join(ROOT, 'supabase/functions/deno.json'), file], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    timeout: 60_000,
  })
  // Deno colours its output whenever FORCE_COLOR is set, even to 0 (as npm test's vitest step sets it).
  const text = (r.stdout + r.stderr).replace(/\x1b\[[0-9;]*m/g, '')
  return [...new Set([...text.matchAll(/^error\[([a-z-]+)\]/gm)].map((m) => m[1]))].sort()
}

const probes: [rule: string, broken: string, allowed: string][] = [
  // Imports go through the pinned import map, never a URL or an inline specifier.
  ['no-external-import', "import pad from 'https://esm.sh/left-pad@1.3.0'\nexport const p = pad\n", "import postgres from 'postgres'\nexport const p = postgres\n"],
  ['verbatim-module-syntax', "import { z } from 'zod'\nexport type S = z.ZodString\n", "import type { z } from 'zod'\nexport type S = z.ZodString\n"],
  ['eqeqeq', 'export const same = (a: unknown, b: unknown) => a == b\n', 'export const same = (a: unknown, b: unknown) => a === b\n'],
  ['no-throw-literal', "export function fail(): never {\n  throw 'failed'\n}\n", "export function fail(): never {\n  throw new Error('failed')\n}\n"],
  ['no-unused-vars', 'const unused = 1\nexport const used = 2\n', 'export const used = 2\n'],
  ['prefer-const', 'export function f(): number {\n  let n = 1\n  return n\n}\n', 'export function f(): number {\n  const n = 1\n  return n\n}\n'],
]

test.each(probes)('deno lint reports %s, and passes the allowed form', { timeout: 120_000 }, (rule, broken, allowed) => {
  expect(violations(`${rule}-broken`, broken)).toEqual([rule])
  expect(violations(`${rule}-allowed`, allowed)).toEqual([])
})
