// The README as a newcomer on a fresh clone reads it: every `npm run X` it gives is a script in
// package.json, every repository path it names in backticks exists (docs/architecture.md's too), and its
// Layout section names every top-level folder (and every part of dev/) the repository has, each at a
// path that exists.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { ROOT } from '../../dev/stack/config.ts'

const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8')
const SCRIPTS = Object.keys(JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts as Record<string, string>)
const FILES = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean)
const DIRS = new Set(FILES.flatMap((f) => f.split('/').slice(0, -1).map((_, i, parts) => `${parts.slice(0, i + 1).join('/')}/`)))

/** Where the README's relative names live (it writes `_shared/http.ts` in the functions' sections, `resources/` in the emulator's). */
const BASES = [
  '', 'supabase/', 'supabase/functions/', 'supabase/functions/_shared/', 'supabase/functions/_shared/email/templates/', 'supabase/migrations/',
  'dev/stack/', 'dev/bench/', 'dev/stripe-emulator/', 'dev/stripe-emulator/contract/', 'scripts/', 'tests/emulator/',
]
/** Named in the README but not in the repository, on purpose: what a run writes, and Stripe's files in Go's module cache. */
const NOT_IN_REPO = [/^\.local\//, /^test-results\//, /^bench-results\//, /^embedded\/openapi\/spec3\.json$/, /^fixtures3\.json$/]

/** A backticked token that names a repository path (not a URL path, a module name, a glob or a placeholder). */
function isRepoPath(token: string): boolean {
  if (!/^[\w.-]+(\/[\w.-]*)*$/.test(token) || /^[\w-]+\.(com|org|io|co)\//.test(token)) return false
  return token.includes('/') || /\.(ts|tsx|sql|json|jsonc|toml|md|cjs|psql|sha256|example)$/.test(token)
}

const exists = (p: string) => (p.endsWith('/') ? DIRS.has(p) : FILES.includes(p) || DIRS.has(`${p}/`))

function section(title: string): string {
  const start = README.indexOf(`\n## ${title}\n`)
  expect(start, `README has a "## ${title}" section`).toBeGreaterThan(-1)
  const end = README.indexOf('\n## ', start + 1)
  return README.slice(start, end === -1 ? undefined : end)
}

const ticked = (text: string) => [...new Set([...text.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]))]

describe('README.md', () => {
  test('every npm command it gives is a script in package.json', () => {
    const runs = [...new Set([...README.matchAll(/npm run ([\w:.-]+)/g)].map((m) => m[1]))]
    expect(runs.length).toBeGreaterThan(15)
    expect(runs.filter((r) => !SCRIPTS.includes(r))).toEqual([])
    for (const bare of ['start', 'test']) if (README.includes(`npm ${bare}`)) expect(SCRIPTS).toContain(bare)
  })

  test.each([['README.md', 80], ['docs/architecture.md', 20]])('every repository path %s names exists, from the root or under the folder its section is about', (doc, atLeast) => {
    const paths = ticked(readFileSync(path.join(ROOT, doc), 'utf8')).filter(isRepoPath).filter((p) => !NOT_IN_REPO.some((re) => re.test(p)))
    expect(paths.length).toBeGreaterThan(atLeast)
    // A bare file name (`syncer.ts` beside `_shared/sync/groups.ts`) needs only to exist somewhere.
    const found = (p: string) => BASES.some((base) => exists(base + p)) || (!p.includes('/') && FILES.some((f) => f.endsWith(`/${p}`)))
    expect(paths.filter((p) => !found(p))).toEqual([])
  })

  test('the Layout section names every top-level folder and every part of dev/, each at a path that exists', () => {
    // The table's first column: the paths (`supabase/functions/<name>/index.ts` names the folder).
    const firstCells = section('Layout').split('\n').filter((l) => l.startsWith('| `')).map((l) => l.split('|')[1])
    const layout = ticked(firstCells.join('\n')).map((t) => t.replace(/<name>.*$/, ''))
    const named = (dir: string) => layout.some((t) => t === dir || t === dir.replace(/\/$/, '') || t.startsWith(dir))
    const folders = [...DIRS].filter((d) => /^[^/.][^/]*\/$/.test(d) || /^dev\/[^/]+\/$/.test(d))
    expect(folders).toEqual(expect.arrayContaining(['dev/', 'supabase/', 'web/', 'dev/stack/']))
    expect(folders.filter((d) => !named(d))).toEqual([])
    expect(layout.filter(isRepoPath).filter((p) => !exists(p))).toEqual([])
  })

  test('the checks see what is missing', () => {
    expect(isRepoPath('scripts/doctor.ts')).toBe(true)
    expect(isRepoPath('/functions/v1/<name>')).toBe(false)
    expect(isRepoPath('github.com/supabase/auth')).toBe(false)
    expect(exists('scripts/doctor.ts') && exists('scripts/doctor/') && exists('dev/stack')).toBe(true)
    expect(exists('scripts/doktor.ts') || exists('dev/nowhere/')).toBe(false)
  })
})
