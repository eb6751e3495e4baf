// A checkout under a folder only its owner can enter (a root user's home is 0700): the postgres OS
// user cannot reach .local/ there, so the cluster must live where it can, and still start and stop;
// and a clone there (the repository's HEAD) brings its whole stack up.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { profile, reachableByOthers, ROOT } from '../../dev/stack/config.ts'
import { destroyCluster, initCluster, isRunning, startCluster, stopCluster, superuser, waitForDb } from '../../dev/stack/postgres.ts'
import { probeProfile } from '../helpers/stack.ts'

describe('a checkout under a 0700 folder', () => {
  test('reachableByOthers sees a 0700 folder anywhere above', () => {
    const top = mkdtempSync(path.join(tmpdir(), 'private-'))
    try {
      expect(statSync(top).mode & 0o777).toBe(0o700)
      expect(reachableByOthers(path.join(top, 'repo'))).toBe(false)
      expect(reachableByOthers(tmpdir())).toBe(true)
    } finally {
      rmSync(top, { recursive: true, force: true })
    }
  })

  test('its Postgres cluster initialises, starts, answers and is removed', { timeout: 120_000 }, async () => {
    const top = mkdtempSync(path.join(tmpdir(), 'private-')) // 0700, like /root
    const p = probeProfile('private', path.join(top, 'repo'))
    try {
      if (process.getuid?.() === 0) expect(p.pgdata.startsWith(top), 'as root the cluster is outside the unreachable checkout').toBe(false)
      expect(await initCluster(p)).toBe(true)
      expect(await startCluster(p)).toBe(true)
      await waitForDb(p)
      const sql = superuser(p)
      try {
        expect((await sql<{ one: number }[]>`select 1 as one`)[0].one).toBe(1)
      } finally {
        await sql.end()
      }
      await stopCluster(p)
      expect(await isRunning(p)).toBe(false)
    } finally {
      await destroyCluster(p)
      rmSync(top, { recursive: true, force: true })
    }
    expect(() => statSync(p.pgdata)).toThrow()
  })
})

describe('a clone under a 0700 folder', () => {
  test('stack:reset brings its whole stack up (cluster, migrations, every service) and down', { timeout: 600_000 }, async () => {
    const top = mkdtempSync(path.join(tmpdir(), 'private-clone-')) // 0700
    const repo = path.join(top, 'repo')
    const name = probeProfile('clone', repo).name
    try {
      execFileSync('git', ['clone', '-q', '--no-hardlinks', ROOT, repo])
      symlinkSync(path.join(ROOT, 'node_modules'), path.join(repo, 'node_modules')) // the same packages, not a second install
      const r = spawnSync(process.execPath, ['--import', 'tsx', 'dev/stack/reset.ts'], { cwd: repo, env: { ...process.env, STACK_PROFILE: name }, encoding: 'utf8', timeout: 540_000 })
      expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0)
      expect(r.stdout + r.stderr).toContain(`${name} database recreated from supabase/migrations`)
    } finally {
      await destroyCluster(profile(name, repo))
      rmSync(top, { recursive: true, force: true })
    }
  })
})
