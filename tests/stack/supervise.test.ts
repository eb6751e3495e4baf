// `npm start` notices a service that died and starts it again: the functions host is killed and the
// API must answer again within a bound, with the death and the recovery said in the output. And a
// start that fails after its services are up (a broken catalogue) stops them all.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { expect, test } from 'vitest'
import { apiKeys, ROOT } from '../../dev/stack/config.ts'
import { portFree } from '../../dev/stack/ports.ts'
import { isRunning } from '../../dev/stack/postgres.ts'
import { isAlive, sleep } from '../../dev/stack/proc.ts'
import { probeProfile } from '../helpers/stack.ts'

const RECOVERY_BOUND_MS = 60_000

test('a killed functions host is reported and restarted, and the API answers again', { timeout: 240_000 }, async () => {
  const p = probeProfile('supervise')
  const keys = await apiKeys(p)
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'dev/stack/start.ts')], { cwd: ROOT, env: { ...process.env, STACK_PROFILE: p.name } })
  let out = ''
  child.stdout.on('data', (d) => (out += d))
  child.stderr.on('data', (d) => (out += d))
  const closed = new Promise<number | null>((r) => child.on('close', r))
  const until = async (what: string, check: () => boolean | Promise<boolean>, ms: number) => {
    const deadline = Date.now() + ms
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`${what} within ${ms / 1000}s; output:\n${out}`)
      await sleep(200)
    }
  }
  const apiAnswers = async () => {
    try {
      const res = await fetch(`${p.apiUrl}/functions/v1/health`, { headers: { authorization: `Bearer ${keys.anon}` }, signal: AbortSignal.timeout(2000) })
      return res.ok
    } catch {
      return false
    }
  }
  const pids = () => (JSON.parse(readFileSync(p.pidFile, 'utf8')) as { services: Record<string, number> }).services
  const started = new Set<number>()
  try {
    await until('the stack started', () => out.includes('Press Ctrl-C to stop.'), 180_000)
    expect(out).toMatch(/Next:\n {2}1\. Open http:\/\/127\.0\.0\.1:\d+, sign up/)
    const before = pids()
    process.kill(-before.functions, 'SIGKILL')
    const killedAt = Date.now()
    await until('the functions host was reported dead', () => out.includes(`functions exited (pid ${before.functions})`), 30_000)
    await until('the API answered again', apiAnswers, RECOVERY_BOUND_MS)
    const recovered = Date.now() - killedAt
    console.log(`the API answered again ${recovered} ms after the functions host was killed`)
    await until('the recovery was reported', () => /functions is back \(pid \d+\)/.test(out), 30_000)
    expect(pids().functions).not.toBe(before.functions)
    expect(recovered).toBeLessThan(RECOVERY_BOUND_MS)
    for (const name of Object.keys(before).filter((n) => n !== 'functions')) expect(pids()[name], `${name} untouched`).toBe(before[name])
    for (const pid of [...Object.values(before), ...Object.values(pids())]) started.add(pid)
  } finally {
    child.kill('SIGINT')
    await closed
  }
  // Ctrl-C stops the restarted host too, not only what the first start recorded.
  expect([...started].filter(isAlive)).toEqual([])
  expect(await isRunning(p)).toBe(false)
  expect(await portFree(p.ports.api)).toBe(true)
})

test('a catalogue that cannot be applied fails the start and leaves nothing running', { timeout: 240_000 }, async () => {
  const p = probeProfile('bad-catalog')
  const dir = mkdtempSync(path.join(tmpdir(), 'catalog-'))
  const file = path.join(dir, 'catalog.json')
  writeFileSync(file, JSON.stringify({ products: [{ key: 'x', name: 'X', prices: [{ lookup_key: 'x', nickname: 'X', unit_amount: 1, currency: 'dollars', interval: 'month' }] }] }))
  const seen = new Set<number>()
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'dev/stack/start.ts')], { cwd: ROOT, env: { ...process.env, STACK_PROFILE: p.name, STRIPE_CATALOG: file } })
  let out = ''
  child.stdout.on('data', (d) => (out += d))
  child.stderr.on('data', (d) => (out += d))
  const poll = setInterval(() => {
    try {
      for (const pid of Object.values((JSON.parse(readFileSync(p.pidFile, 'utf8')) as { services: Record<string, number> }).services)) seen.add(pid)
    } catch {
      // not written yet, or already removed
    }
  }, 100)
  const code = await new Promise<number | null>((r) => child.on('close', r))
  clearInterval(poll)
  rmSync(dir, { recursive: true, force: true })
  expect(code, out).toBe(1)
  expect(out).toMatch(/start failed: .*catalog\.json: products\.0\.prices\.0\.currency/)
  expect(seen.size, 'the services had started').toBeGreaterThan(0)
  expect([...seen].filter(isAlive)).toEqual([])
  expect(await isRunning(p)).toBe(false)
  for (const port of Object.values(p.ports)) expect(await portFree(port), `port ${port}`).toBe(true)
})
