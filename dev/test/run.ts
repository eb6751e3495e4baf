// `npm test`: starts the `test` profile of the local stack (its own ports and a fresh cluster, so a
// running `npm start` is left alone), then runs every check: tsc, deno check, the dependency rules,
// deno lint, deno fmt --check, knip, supabase db lint, pgTAP with pg_prove, and vitest. Ends with one
// line `N passed, N failed` and a non-zero exit on any failure.
import { readdirSync, readFileSync, existsSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import { profile, ROOT } from '../stack/config.ts'
import { stackLog } from '../stack/log.ts'
import { SUPABASE_CLI } from '../stack/migrate.ts'
import { run } from '../stack/proc.ts'
import { DENO } from '../stack/services.ts'
import { down, up, type Stack } from '../stack/stack.ts'
import { superuser } from '../stack/postgres.ts'
import { contractReport, startContractReport } from './contract-report.ts'
import { checkDependencies } from './deps.ts'
import { benchSmoke } from '../bench/smoke.ts'

interface Tally {
  name: string
  passed: number
  failed: number
  seconds: number
}

const tallies: Tally[] = []
// TEST_PROFILE lets two checkouts (or a developer and a helper) run the suite at once on separate ports.
const p = profile(process.env.TEST_PROFILE ?? 'test')
process.env.STACK_PROFILE = p.name
// The clusters this run starts are thrown away after it: no fsync or synchronous commit (postgres.ts),
// but for a test that asks for durability (a crash must not lose an acknowledged event).
process.env.STACK_DISPOSABLE = '1'
// The Stripe emulators of the run (the stack's and those tests start) check every answer, event and
// request against Stripe's spec: strict by default (`report` only reports; `0` turns it off).
process.env.STRIPE_EMULATOR_STRICT ??= '1'
const contractFile = startContractReport(p)

async function step(name: string, fn: () => Promise<{ passed: number; failed: number }>): Promise<void> {
  const started = Date.now()
  process.stdout.write(`\n── ${name}\n`)
  let result: { passed: number; failed: number }
  try {
    result = await fn()
  } catch (err) {
    process.stdout.write(`${err instanceof Error ? err.message : String(err)}\n`)
    result = { passed: 0, failed: 1 }
  }
  tallies.push({ name, ...result, seconds: (Date.now() - started) / 1000 })
}

/** A command that is one check: passes on exit 0; its output is shown. */
async function check(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env, cwd = ROOT) {
  const r = await run(cmd, args, { cwd, env })
  const out = (r.stdout + r.stderr).trim()
  if (out) process.stdout.write(out + '\n')
  return r.code === 0 ? { passed: 1, failed: 0 } : { passed: 0, failed: 1 }
}

function functionEntryPoints(): string[] {
  const dir = path.join(ROOT, 'supabase/functions')
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('_') && d.name !== 'node_modules' && existsSync(path.join(dir, d.name, 'index.ts')))
    .map((d) => path.join(dir, d.name, 'index.ts'))
}

async function pgTap(stack: Stack) {
  const files = readdirSync(path.join(ROOT, 'supabase/tests')).filter((f) => f.endsWith('.sql')).sort()
  if (files.length === 0) throw new Error('no pgTAP files in supabase/tests')
  const sql = superuser(stack.profile)
  await sql`create extension if not exists pgtap with schema extensions`
  await sql.end()
  const r = await run('pg_prove', ['--verbose', '-h', '127.0.0.1', '-p', String(p.ports.db), '-U', 'postgres', '-d', 'postgres', ...files.map((f) => path.join('supabase/tests', f))], {
    cwd: ROOT,
    env: { ...process.env, PGPASSWORD: 'postgres' },
  })
  const out = r.stdout + r.stderr
  process.stdout.write(out)
  const passed = (out.match(/^\s*ok \d+/gm) ?? []).length
  let failed = (out.match(/^\s*not ok \d+/gm) ?? []).length
  // A file that dies before its plan completes has no `not ok` line of its own.
  if (r.code !== 0 && failed === 0) failed = 1
  return { passed, failed }
}

// `--update=none` (vitest's CI mode): a missing or changed snapshot fails instead of being written.
// Arguments after `npm test --` go to vitest, e.g. `npm test -- --sequence.shuffle` for a shuffled order.
async function vitest() {
  const out = path.join(p.dir, 'vitest.json')
  mkdirSync(p.dir, { recursive: true })
  const r = await run(process.execPath, [path.join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--update=none', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...process.argv.slice(2)], {
    cwd: ROOT,
    env: { ...process.env, STACK_PROFILE: p.name, FORCE_COLOR: '0' },
  })
  process.stdout.write(r.stdout + r.stderr)
  if (!existsSync(out)) return { passed: 0, failed: 1 }
  const report = JSON.parse(readFileSync(out, 'utf8')) as {
    numPassedTests: number
    numFailedTests: number
    testResults: { status: string; assertionResults: { status: string }[] }[]
  }
  // A file that fails outside any test (an import error, a failing hook) counts as one failure.
  const brokenFiles = report.testResults.filter((f) => f.status === 'failed' && !f.assertionResults.some((a) => a.status === 'failed')).length
  const failed = report.numFailedTests + brokenFiles
  return { passed: report.numPassedTests, failed: failed === 0 && r.code !== 0 ? 1 : failed }
}

const started = Date.now()
let stack: Stack | undefined
await step('local stack (test profile)', async () => {
  stack = await up(p, { fresh: true, log: stackLog })
  return { passed: 1, failed: 0 }
})
await step('typecheck (tsc)', () => check(path.join(ROOT, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json']))
await step('typecheck functions (deno check)', () =>
  check(DENO, ['check', '--quiet', '--config', 'supabase/functions/deno.json', ...functionEntryPoints(), 'dev/functions/host.ts']),
)
await step('dependency rules (dependency-cruiser)', async () => {
  const r = await checkDependencies()
  process.stdout.write(r.report + '\n')
  return r.ok ? { passed: 1, failed: 0 } : { passed: 0, failed: 1 }
})
await step('lint functions (deno lint)', () => check(DENO, ['lint', '--quiet', '--config', 'supabase/functions/deno.json', 'supabase/functions']))
await step('format functions (deno fmt --check)', () => check(DENO, ['fmt', '--check', '--quiet', '--config', 'supabase/functions/deno.json', 'supabase/functions']))
await step('unused files, exports, deps (knip)', () => check(path.join(ROOT, 'node_modules/.bin/knip'), ['--no-progress']))
if (stack) {
  const s = stack
  await step('supabase db lint', () => check(SUPABASE_CLI, ['db', 'lint', '--db-url', p.dbUrl, '--fail-on', 'error', '--level', 'warning']))
  await step('pgTAP (pg_prove)', () => pgTap(s))
  await step('vitest', vitest)
}
await down(p)
// After `down`: the quick bench starts a stack of its own (a profile beside this one's) and the peer.
await step('bench smoke (npm run bench -- --quick)', () => benchSmoke(`${p.name}-bench`))
// After `down`, so the stack's emulator has added its counts too.
if (stack && ['1', 'report'].includes(process.env.STRIPE_EMULATOR_STRICT ?? '')) {
  await step('Stripe contract (emulator strict mode)', async () => contractReport(contractFile))
}

const passed = tallies.reduce((n, t) => n + t.passed, 0)
const failed = tallies.reduce((n, t) => n + t.failed, 0)
process.stdout.write('\n')
for (const t of tallies) {
  process.stdout.write(`${t.failed ? 'FAIL' : 'ok  '}  ${t.name.padEnd(36)} ${t.passed} passed, ${t.failed} failed  (${t.seconds.toFixed(1)}s)\n`)
}
process.stdout.write(`total time ${((Date.now() - started) / 1000).toFixed(1)}s\n`)
process.stdout.write(`${passed} passed, ${failed} failed\n`)
process.exit(failed > 0 ? 1 : 0)
