// How the stack behaves when things go wrong, each on a throwaway profile of its own: an interrupted
// start, a port already taken, a missing system package; and that stack:reset gives a clean database.
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { ROOT, type Profile } from '../../dev/stack/config.ts'
import { appliedMigrations } from '../../dev/stack/migrate.ts'
import { portFree } from '../../dev/stack/ports.ts'
import { isRunning, startCluster, stopCluster, superuser } from '../../dev/stack/postgres.ts'
import { ensureSystemPackages, MissingPackageError } from '../../dev/stack/prereqs.ts'
import { isAlive } from '../../dev/stack/proc.ts'
import { probeProfile } from '../helpers/stack.ts'

const TS = [process.execPath, '--import', 'tsx'] as const

/** Runs a stack script for a profile; resolves with its exit code and output. */
function script(file: string, p: Profile, onOutput?: (all: string, kill: () => void) => void) {
  const child = spawn(TS[0], [...TS.slice(1), path.join(ROOT, file)], { cwd: ROOT, env: { ...process.env, STACK_PROFILE: p.name } })
  let out = ''
  const feed = (d: Buffer) => {
    out += d
    onOutput?.(out, () => child.kill('SIGINT'))
  }
  child.stdout.on('data', feed)
  child.stderr.on('data', feed)
  return new Promise<{ code: number | null; out: string }>((resolve) => child.on('close', (code) => resolve({ code, out })))
}

async function nothingLeft(p: Profile, pids: number[]) {
  expect(pids.filter(isAlive)).toEqual([])
  expect(await isRunning(p)).toBe(false)
  for (const port of Object.values(p.ports)) expect(await portFree(port), `port ${port}`).toBe(true)
}

describe('stack lifecycle', () => {
  test('an interrupted start leaves no process running', { timeout: 120_000 }, async () => {
    const p = probeProfile('interrupt')
    const seen: number[] = []
    let interrupt: (() => void) | undefined
    const done = script('dev/stack/start.ts', p, (_out, kill) => (interrupt = kill))
    // Interrupt once services have been spawned and are still being waited on.
    const poll = setInterval(() => {
      if (!interrupt || seen.length > 0 || !existsSync(p.pidFile)) return
      const pids = JSON.parse(readFileSync(p.pidFile, 'utf8')) as { services: Record<string, number> }
      if (Object.keys(pids.services).length === 0) return
      seen.push(...Object.values(pids.services))
      interrupt()
    }, 5)
    const { code, out } = await done
    clearInterval(poll)
    expect(seen.length, `the start was interrupted after services were spawned:\n${out}`).toBeGreaterThan(0)
    expect(code).toBe(130)
    expect(existsSync(p.pidFile)).toBe(false)
    await nothingLeft(p, seen)
  })

  test('a port already in use stops the start with a message naming the port', { timeout: 60_000 }, async () => {
    const p = probeProfile('port')
    const blocker = net.createServer().listen(p.ports.api, '127.0.0.1')
    await new Promise((r) => blocker.once('listening', r))
    try {
      const { code, out } = await script('dev/stack/start.ts', p)
      expect(code).toBe(1)
      expect(out).toContain(`port ${p.ports.api}`)
      expect(out).toContain('already in use')
    } finally {
      blocker.close()
    }
    await nothingLeft(p, [])
  })

  test('a missing system package is reported by name with the command that installs it', async () => {
    process.env.STACK_NO_INSTALL = '1'
    try {
      const fake = { name: 'postgresql-15-nonexistent', why: 'a test', provides: '/nonexistent/file' }
      const err = await ensureSystemPackages([fake]).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(MissingPackageError)
      expect((err as Error).message).toContain('postgresql-15-nonexistent (a test)')
      expect((err as Error).message).toContain('apt-get install -y postgresql-15-nonexistent')
    } finally {
      delete process.env.STACK_NO_INSTALL
    }
  })

  test('stack:reset gives a clean database with every migration applied', { timeout: 180_000 }, async () => {
    const p = probeProfile('reset')
    const first = await script('dev/stack/reset.ts', p)
    expect(first.code, first.out).toBe(0)
    await startCluster(p)
    const sql = superuser(p)
    await sql`create table public.leftover (id int)`
    await sql.end()
    await stopCluster(p)

    const { code, out } = await script('dev/stack/reset.ts', p)
    expect(code, out).toBe(0)
    await startCluster(p)
    try {
      const check = superuser(p)
      const [{ t }] = await check`select to_regclass('public.leftover') as t`
      await check.end()
      expect(t).toBeNull()
      expect((await appliedMigrations(p)).length).toBeGreaterThan(0)
    } finally {
      await stopCluster(p)
    }
  })
})
