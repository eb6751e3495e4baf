// Landed migrations never change: supabase/migrations.sha256 pins each one's bytes, a new one must be
// sealed into it, and `npm run migrations:seal` only ever appends.
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { ROOT } from '../../dev/stack/config.ts'
import { checkManifest, manifestProblems, MANIFEST, sealNew } from '../../dev/stack/migration-manifest.ts'

const SUPABASE = path.join(ROOT, 'supabase')
const FIRST = 'migrations/20261122000000_platform_extensions.sql'

test('every migration in supabase/migrations is sealed in supabase/migrations.sha256 with its current bytes', () => {
  const c = checkManifest(SUPABASE)
  expect(manifestProblems(c)).toEqual([])
  expect(c.sealed).toContain(FIRST)
})

describe('the manifest check, on a copy of supabase/', () => {
  let dir = ''
  const copy = () => {
    dir = mkdtempSync(path.join(tmpdir(), 'manifest-'))
    cpSync(path.join(SUPABASE, 'migrations'), path.join(dir, 'migrations'), { recursive: true })
    cpSync(path.join(SUPABASE, MANIFEST), path.join(dir, MANIFEST))
    // Start from an agreeing pair whatever the checkout holds (the first test reports the checkout).
    sealNew(dir)
    expect(manifestProblems(checkManifest(dir))).toEqual([])
    return dir
  }
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  test('a landed migration edited afterwards fails, saying to write a new migration instead', () => {
    appendFileSync(path.join(copy(), FIRST), '\n-- an edit after landing\n')
    expect(manifestProblems(checkManifest(dir))).toEqual([expect.stringMatching(new RegExp(`^${FIRST} changed after it landed: .*write a new migration instead`))])
  })

  test('a landed migration deleted afterwards fails', () => {
    rmSync(path.join(copy(), FIRST))
    expect(manifestProblems(checkManifest(dir))).toEqual([expect.stringContaining(`${FIRST} was deleted after it landed`)])
  })

  test('a new migration not in the manifest fails, saying to seal it', () => {
    writeFileSync(path.join(copy(), 'migrations/20991231000000_new_thing.sql'), '-- new\nselect 1;\n')
    expect(manifestProblems(checkManifest(dir))).toEqual([
      'migrations/20991231000000_new_thing.sql is not in supabase/migrations.sha256: add it with `npm run migrations:seal`',
    ])
  })

  test('sealing appends the new migration and leaves every existing line as it was, even a changed one', () => {
    copy()
    const before = readFileSync(path.join(dir, MANIFEST), 'utf8')
    writeFileSync(path.join(dir, 'migrations/20991231000000_new_thing.sql'), '-- new\nselect 1;\n')
    appendFileSync(path.join(dir, FIRST), '\n-- an edit after landing\n')
    expect(sealNew(dir)).toEqual(['migrations/20991231000000_new_thing.sql'])
    const after = readFileSync(path.join(dir, MANIFEST), 'utf8')
    expect(after.startsWith(before)).toBe(true)
    expect(after.slice(before.length)).toMatch(/^[0-9a-f]{64} {2}migrations\/20991231000000_new_thing\.sql\n$/)
    const c = checkManifest(dir)
    expect(c.unsealed).toEqual([])
    expect(c.changed).toEqual([FIRST])
    expect(sealNew(dir)).toEqual([])
  })
})
