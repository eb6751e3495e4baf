// Keeps `npm start`'s services up: a service that exits (killed, crashed) or stops answering its
// health check for a while is reported and started again, and its recovery is reported too. Nothing is
// restarted while the stack is being stopped (Ctrl-C, `npm run stack:down`).
import path from 'node:path'
import { isAlive, sleep, stopPid, waitFor } from './proc.ts'
import type { ServiceSpec } from './services.ts'
import { recorded, relaunch, type Stack } from './stack.ts'

export interface SuperviseOptions {
  /** How often each service is looked at (default 1 s). */
  everyMs?: number
  /** Consecutive failed health checks (one per `healthEveryMs`) before a live service is restarted. */
  unhealthyAfter?: number
  healthEveryMs?: number
  log: (line: string) => void
}

export function supervise(stack: Stack, opts: SuperviseOptions): { stop: () => void } {
  const p = stack.profile
  const everyMs = opts.everyMs ?? 1000
  const healthEveryMs = opts.healthEveryMs ?? 5000
  const unhealthyAfter = opts.unhealthyAfter ?? 6
  let stopped = false

  async function restart(s: ServiceSpec, why: string): Promise<void> {
    const logFile = path.relative(process.cwd(), path.join(p.logDir, `${s.name}.log`))
    opts.log(`${s.name} ${why}; restarting it (its last output: ${logFile})`)
    const started = Date.now()
    const pid = relaunch(p, s)
    if (pid === null) return
    try {
      await waitFor(s.name, async () => {
        if (!isAlive(pid)) throw new Error(`${s.name} exited again during start-up`)
        return s.healthy()
      }, 60_000, 200)
      opts.log(`${s.name} is back (pid ${pid}) after ${((Date.now() - started) / 1000).toFixed(1)}s`)
    } catch (err) {
      opts.log(`${s.name} did not come back: ${err instanceof Error ? err.message : String(err)}; trying again`)
      await sleep(5000)
    }
  }

  async function watch(s: ServiceSpec): Promise<void> {
    let failures = 0
    let lastHealth = Date.now()
    while (!stopped) {
      await sleep(everyMs)
      const { pid, stopping } = recorded(p, s.name)
      if (stopped || stopping || pid === undefined) continue
      if (!isAlive(pid)) {
        await restart(s, `exited (pid ${pid})`)
        failures = 0
        continue
      }
      if (Date.now() - lastHealth < healthEveryMs) continue
      lastHealth = Date.now()
      const ok = await s.healthy().catch(() => false)
      failures = ok ? 0 : failures + 1
      if (failures >= unhealthyAfter) {
        await stopPid(pid)
        await restart(s, `has not answered for ${failures} health checks (pid ${pid})`)
        failures = 0
      }
    }
  }

  for (const s of stack.services) void watch(s)
  return { stop: () => void (stopped = true) }
}
