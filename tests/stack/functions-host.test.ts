// The local functions host (dev/functions/host.ts) on a project of fixture functions: each function in a
// Deno Worker of its own, as the edge runtime runs each in a user worker (one's CPU never stalls
// another's requests, and the sync budget's clock counts its own thread only); load failures, handler
// errors and errors outside requests reported as before. Needs no stack: the host runs on its own port.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { ROOT } from '../../dev/stack/config.ts'
import { DENO } from '../../dev/stack/services.ts'

const budgetUrl = `file://${path.join(ROOT, 'supabase/functions/_shared/sync/budget.ts')}`
const ECHO = `Deno.serve(async (req) => new Response(JSON.stringify({ method: req.method, url: req.url, cloned: req.clone().url, body: await req.text() }),
    { status: 201, headers: { 'x-echo': req.headers.get('x-in') ?? '', 'set-cookie': 'a=1' } }))`
const FUNCTIONS: Record<string, string> = {
  // Spends ?ms= milliseconds of its thread's CPU time (however loaded the machine), then answers.
  busy: `const cpu = () => Number(Deno.readTextFileSync('/proc/thread-self/schedstat').split(' ')[0]) / 1e6
  Deno.serve((req) => {
    const end = cpu() + Number(new URL(req.url).searchParams.get('ms'))
    while (cpu() < end) {}
    return new Response('spun')
  })`,
  fast: `Deno.serve(() => new Response('fast'))`,
  // The sync worker's budget, started by one request and read by a later one: the CPU time it counted.
  clock: `import { Budget } from '${budgetUrl}'
  let budget
  Deno.serve((req) => {
    if (new URL(req.url).searchParams.has('start')) budget = new Budget(1000, 60_000)
    return Response.json({ clock: budget.clock, cpuMs: budget.cpuMs() })
  })`,
  echo: ECHO,
  // The same, run in the gateway's own isolate (FUNCTIONS_IN_GATEWAY below), as stripe-webhook is.
  here: ECHO,
  // Listens on its worker's global scope, as Prism does under react-email: the host's messages are not for it.
  listener: `let seen = 0
  self.addEventListener('message', () => seen++)
  Deno.serve(() => Response.json({ seen }))`,
  broken: `throw new Error('fixture failed at load')`,
  throws: `Deno.serve(() => { throw new Error('fixture threw in a request') })`,
  // Answers, then throws outside any request.
  late: `Deno.serve(() => { setTimeout(() => { throw new Error('fixture threw later') }, 10); return new Response('ok') })`,
}

let dir: string
let host: ChildProcess
let base: string
let log = ''

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'functions-host-'))
  const config = Object.keys(FUNCTIONS).map((n) => `[functions.${n}]\nverify_jwt = false\n`).join('\n')
  mkdirSync(path.join(dir, 'supabase/functions'), { recursive: true })
  writeFileSync(path.join(dir, 'supabase/config.toml'), config)
  for (const [name, code] of Object.entries(FUNCTIONS)) {
    mkdirSync(path.join(dir, 'supabase/functions', name))
    writeFileSync(path.join(dir, 'supabase/functions', name, 'index.ts'), code)
  }
  const port = await freePort()
  base = `http://127.0.0.1:${port}/functions/v1`
  host = spawn(DENO, ['run', '-A', '--quiet', '--config', path.join(ROOT, 'supabase/functions/deno.json'), path.join(ROOT, 'dev/functions/host.ts')], {
    env: { ...process.env, PROJECT_ROOT: dir, GATEWAY_PORT: String(port), NO_COLOR: '1', FUNCTIONS_IN_GATEWAY: 'fast,here' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  host.stdout!.on('data', (d) => log += d)
  host.stderr!.on('data', (d) => log += d)
  for (const end = Date.now() + 50_000; !log.includes('gateway and functions on');) {
    if (Date.now() > end || host.exitCode !== null) throw new Error(`the host did not start:\n${log}`)
    await new Promise((r) => setTimeout(r, 100))
  }
})

afterAll(() => {
  host?.kill('SIGTERM')
  rmSync(dir, { recursive: true, force: true })
})

const get = (name: string) => fetch(`${base}/${name}`)

describe('functions host', () => {
  test("a function's CPU burst does not hold up another function's requests", async () => {
    const order: string[] = []
    const busy = get('busy?ms=2000').then(async (r) => order.push(`busy ${r.status} ${await r.text()}`))
    await new Promise((r) => setTimeout(r, 300))
    // One in a worker of its own, one in the gateway's isolate: neither waits for busy's loop.
    await Promise.all(['echo', 'fast'].map((n) => get(n).then((r) => order.push(`${n} ${r.status}`))))
    await busy
    expect(order.slice(2)).toEqual(['busy 200 spun'])
    expect(order.slice(0, 2).sort()).toEqual(['echo 201', 'fast 200'])
  })

  test("the sync budget's CPU clock counts its own function's thread, not a busy neighbour's", async () => {
    await get('clock?start')
    await get('busy?ms=1500')
    const { clock: kind, cpuMs } = await (await get('clock')).json()
    expect(kind).toBe('cpu')
    // Its own two requests cost its thread next to nothing; the process clock would count busy's 1.5 s.
    expect(cpuMs).toBeLessThan(500)
  })

  test.each(['echo', 'here'])('requests and answers cross intact: path, query, method, body, status, headers (%s)', async (name) => {
    const res = await fetch(`${base}/${name}/sub/path?q=1`, { method: 'PUT', body: 'héllo', headers: { 'x-in': 'v' } })
    expect(res.status).toBe(201)
    expect(res.headers.get('x-echo')).toBe('v')
    expect(res.headers.get('set-cookie')).toBe('a=1')
    const { url, cloned, ...rest } = await res.json()
    expect(new URL(url).pathname + new URL(url).search).toBe(`/${name}/sub/path?q=1`)
    expect(cloned).toBe(url)
    expect(rest).toEqual({ method: 'PUT', body: 'héllo' })
    // No body crosses as none.
    expect(await (await fetch(`${base}/${name}`)).json()).toMatchObject({ method: 'GET', body: '' })
  })

  test("/health names each function's thread: the gateway's own for those in its isolate, a worker's of its own for the others", async () => {
    const { threads } = await (await fetch(`${base.replace('/functions/v1', '')}/health`)).json()
    const tasks = readdirSync(`/proc/${host.pid}/task`).map(Number)
    expect(threads.fast).toBe(host.pid)
    expect(threads.here).toBe(host.pid)
    expect(tasks).toContain(threads.busy)
    expect(tasks).toContain(threads.echo)
    expect(new Set([host.pid, threads.busy, threads.echo]).size).toBe(3)
    // The thread is the one that runs the function: busy's CPU burst shows on it, not on the gateway's.
    const cpu = (tid: number) => Number(readFileSync(`/proc/${host.pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1e6
    const [busy0, gateway0] = [cpu(threads.busy), cpu(host.pid!)]
    await get('busy?ms=300')
    expect(cpu(threads.busy) - busy0).toBeGreaterThanOrEqual(300)
    expect(cpu(host.pid!) - gateway0).toBeLessThan(150)
  })

  test("the host's messages to a function's worker do not reach the function's own listeners", async () => {
    await get('listener')
    expect(await (await get('listener')).json()).toEqual({ seen: 0 })
  })

  test('a function that fails to load answers 500 BOOT_ERROR with why; the others run', async () => {
    const res = await get('broken')
    expect(res.status).toBe(500)
    const body = await res.json()
    expect(body).toMatchObject({ code: 'BOOT_ERROR' })
    expect(body.detail).toContain('fixture failed at load')
    expect((await (await fetch(`${base.replace('/functions/v1', '')}/health`)).json()).failed).toHaveProperty('broken')
  })

  test('a handler that throws answers 500 WORKER_ERROR, and the function keeps serving', async () => {
    expect((await get('throws')).status).toBe(500)
    expect((await get('throws')).status).toBe(500)
    expect(log).toContain('fixture threw in a request')
  })

  test('an error outside any request is logged and the function keeps running', async () => {
    expect((await get('late')).status).toBe(200)
    for (const end = Date.now() + 10_000; !log.includes('fixture threw later') && Date.now() < end;) await new Promise((r) => setTimeout(r, 50))
    expect(log).toMatch(/late: uncaught error outside a request \(kept running\)/)
    expect((await get('late')).status).toBe(200)
  })
})
