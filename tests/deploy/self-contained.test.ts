// Every function deploys from supabase/functions/ alone: a copy of supabase/ with nothing else of the
// repository type-checks under Deno, and each function starts there and answers a request. An import
// that escapes supabase/functions (emails/, web/, dev/...) has nothing to resolve to in the copy.
import { spawnSync } from 'node:child_process'
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { ROOT } from '../../dev/stack/config.ts'
import { stackProfile } from '../helpers/stack.ts'

const DENO = path.join(ROOT, 'node_modules/deno/deno')
// The same folder each run (emptied first), so Deno's type-check cache serves unchanged files.
const copy = path.join(tmpdir(), `functions-alone-${stackProfile.name}`)
rmSync(copy, { recursive: true, force: true })
mkdirSync(copy)
cpSync(path.join(ROOT, 'supabase'), path.join(copy, 'supabase'), {
  recursive: true,
  filter: (src) => !/[/\\](\.temp|\.branches|node_modules)$/.test(src),
})
copyFileSync(path.join(import.meta.dirname, 'start-function.ts'), path.join(copy, 'start-function.ts'))
afterAll(() => rmSync(copy, { recursive: true, force: true }))

const functionsDir = path.join(copy, 'supabase/functions')
const FUNCTIONS = readdirSync(functionsDir, { withFileTypes: true })
  .filter((d) => d.isDirectory() && !d.name.startsWith('_') && existsSync(path.join(functionsDir, d.name, 'index.ts')))
  .map((d) => d.name)

/** A request each function answers without a caller's credentials, and the answer it must give. */
const REQUESTS: Record<string, { method: string; path: string; status: number }> = {
  health: { method: 'GET', path: '', status: 200 },
  billing: { method: 'OPTIONS', path: '/organizations', status: 204 },
  'stripe-webhook': { method: 'GET', path: '', status: 405 },
  'stripe-sync': { method: 'GET', path: '', status: 405 },
  'export-download': { method: 'POST', path: '', status: 405 },
}

// What a deployed function finds in its environment (Supabase's variables and the project's secrets).
const env = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  DENO_DIR: process.env.DENO_DIR,
  NO_COLOR: '1',
  SUPABASE_URL: stackProfile.apiUrl,
  SUPABASE_DB_URL: stackProfile.dbUrl,
  SUPABASE_ANON_KEY: 'anon-key-unused-here',
  SUPABASE_SERVICE_ROLE_KEY: 'service-role-key-unused-here',
  STRIPE_SECRET_KEY: 'sk_test_self_contained',
  STRIPE_WEBHOOK_SECRETS: 'whsec_self_contained',
  EXPORT_SIGNING_SECRET: 'self-contained-export-secret',
  APP_URL: 'http://127.0.0.1:3000',
  JWT_SECRET: stackProfile.jwtSecret,
}

const deno = (args: string[]) =>
  spawnSync(DENO, args, { cwd: copy, env: Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv, encoding: 'utf8', timeout: 240_000 })

test('the copy holds every function and nothing of the repository but supabase/', () => {
  expect(FUNCTIONS).toEqual(expect.arrayContaining(Object.keys(REQUESTS)))
  expect(readdirSync(copy).sort()).toEqual(['start-function.ts', 'supabase'])
})

test('every function type-checks from the copy of supabase/ alone', { timeout: 300_000 }, () => {
  const r = deno(['check', '--quiet', '--config', 'supabase/functions/deno.json', ...FUNCTIONS.map((f) => `supabase/functions/${f}/index.ts`)])
  expect(r.stderr + r.stdout).toBe('')
  expect(r.status).toBe(0)
})

describe('each function starts from the copy and answers a request', () => {
  test.each(FUNCTIONS)('%s', { timeout: 120_000 }, (name) => {
    // A function added later without an entry here must still start and answer without crashing.
    const want = REQUESTS[name] ?? { method: 'OPTIONS', path: '', status: undefined }
    const r = deno(['run', '-A', '--quiet', '--config', 'supabase/functions/deno.json', 'start-function.ts', name, want.method, want.path])
    expect(r.stderr, r.stderr).not.toMatch(/error: /i)
    expect(r.status).toBe(0)
    const answer = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as { status: number; body: string }
    if (want.status !== undefined) expect(answer.status, answer.body).toBe(want.status)
    else expect(answer.status, answer.body).toBeLessThan(500)
  })
})
