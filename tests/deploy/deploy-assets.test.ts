// What `supabase functions deploy --use-api` would upload, seen offline: the CLI lists every file of a
// function's module graph ("Uploading asset (<name>): <path>") before it calls Supabase's API, which
// fails here (no network, and a token of zeros). Every listed file must be under supabase/functions.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { expect, test } from 'vitest'
import { ROOT } from '../../dev/stack/config.ts'
import { SUPABASE_CLI } from '../../dev/stack/migrate.ts'

const functionsDir = path.join(ROOT, 'supabase/functions')
const FUNCTIONS = readdirSync(functionsDir, { withFileTypes: true })
  .filter((d) => d.isDirectory() && !d.name.startsWith('_') && existsSync(path.join(functionsDir, d.name, 'index.ts')))
  .map((d) => d.name)

test('the deploy bundle of every function holds only files under supabase/functions', { timeout: 120_000 }, () => {
  const r = spawnSync(SUPABASE_CLI, ['functions', 'deploy', '--use-api', '--remote=deployassetscheckzzz', '--debug', '--yes', '--workdir', ROOT], {
    cwd: ROOT,
    // A syntactically valid token that no project accepts; nothing can be deployed with it.
    env: { PATH: process.env.PATH, HOME: process.env.HOME, SUPABASE_ACCESS_TOKEN: `sbp_${'0'.repeat(40)}`, NO_COLOR: '1' },
    encoding: 'utf8',
    timeout: 90_000,
  })
  const assets = new Map<string, string[]>()
  for (const m of (r.stdout + r.stderr).matchAll(/^Uploading asset \(([^)]+)\): (.+)$/gm)) {
    assets.set(m[1], [...(assets.get(m[1]) ?? []), m[2].trim()])
  }
  expect([...assets.keys()].sort(), r.stderr.slice(-2000)).toEqual([...FUNCTIONS].sort())
  for (const name of FUNCTIONS) {
    const files = assets.get(name)!
    expect(files).toContain(`supabase/functions/${name}/index.ts`)
    expect(files.filter((f) => !f.startsWith('supabase/functions/')), `${name} would upload files from outside supabase/functions`).toEqual([])
  }
})
