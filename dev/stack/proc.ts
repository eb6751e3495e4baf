// Child processes for the stack. Everything is asynchronous so an interrupt (Ctrl-C) is handled while
// a step is still running, and every child we start is known, so it can be stopped by PID.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { createWriteStream, mkdirSync } from 'node:fs'
import path from 'node:path'

export interface RunResult {
  code: number
  stdout: string
  stderr: string
}

/** Foreground commands still running, so an interrupt can end them too. */
const inFlight = new Set<ChildProcess>()

/** Runs a command to completion and collects its output; rejects only if it cannot be started. */
export function run(cmd: string, args: string[], opts: SpawnOptions & { input?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['pipe', 'pipe', 'pipe'] })
    inFlight.add(child)
    let stdout = ''
    let stderr = ''
    child.stdout!.on('data', (d) => (stdout += d))
    child.stderr!.on('data', (d) => (stderr += d))
    child.on('error', (err) => {
      inFlight.delete(child)
      reject(err)
    })
    child.on('close', (code, signal) => {
      inFlight.delete(child)
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr })
    })
    // A command that exits without reading its input (most ignore it) closes the pipe first: that
    // EPIPE is not a failure of the command, whose exit code says how it went. Anything else is.
    child.stdin!.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') reject(err)
    })
    child.stdin!.end(opts.input ?? '')
  })
}

/** Like run, but a non-zero exit is an error that carries the command's output. */
export async function runOk(cmd: string, args: string[], opts: SpawnOptions & { input?: string } = {}): Promise<RunResult> {
  const r = await run(cmd, args, opts)
  if (r.code !== 0) {
    throw new Error(`${path.basename(cmd)} ${args.join(' ')} exited ${r.code}\n${(r.stderr || r.stdout).trim()}`)
  }
  return r
}

/** Ends foreground commands still running (used when the start is interrupted). */
export function killInFlight(): void {
  for (const child of inFlight) child.kill('SIGTERM')
}

/** Starts a long-running service in its own process group, its output going to `logFile`. */
export function spawnService(cmd: string, args: string[], logFile: string, opts: SpawnOptions = {}): ChildProcess {
  mkdirSync(path.dirname(logFile), { recursive: true })
  const log = createWriteStream(logFile, { flags: 'w' })
  const child = spawn(cmd, args, { ...opts, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  child.stdout!.pipe(log)
  child.stderr!.pipe(log)
  return child
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Stops a process group by its leader's PID: SIGTERM, then SIGKILL after a grace period. */
export async function stopPid(pid: number, graceMs = 5000): Promise<void> {
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig)
    } catch {
      try {
        process.kill(pid, sig)
      } catch {
        // already gone
      }
    }
  }
  signal('SIGTERM')
  const deadline = Date.now() + graceMs
  while (isAlive(pid) && Date.now() < deadline) await sleep(50)
  if (isAlive(pid)) signal('SIGKILL')
  while (isAlive(pid) && Date.now() < deadline + 2000) await sleep(50)
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Polls `check` until it returns true or the timeout passes; the error names what never became ready. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30000, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  while (Date.now() < deadline) {
    try {
      if (await check()) return
    } catch (err) {
      lastError = err
    }
    await sleep(everyMs)
  }
  throw new Error(`${what} did not become ready within ${timeoutMs / 1000}s${lastError ? `: ${String(lastError)}` : ''}`)
}
