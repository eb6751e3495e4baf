// Which stacks are running in this checkout, from the PID files under .local/<profile>/: what
// `npm run emulator` acts on when STACK_PROFILE is not set.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { profile, ROOT, type Profile } from './config.ts'
import { isAlive } from './proc.ts'

/** Profiles whose recorded service `service` is alive, by name. */
export function runningProfiles(service: string, root = ROOT): Profile[] {
  const local = path.join(root, '.local')
  if (!existsSync(local)) return []
  return readdirSync(local, { withFileTypes: true }).filter((d) => d.isDirectory()).flatMap((d) => {
    const file = path.join(local, d.name, 'pids.json')
    if (!existsSync(file)) return []
    try {
      const pid = (JSON.parse(readFileSync(file, 'utf8')) as { services?: Record<string, number> }).services?.[service]
      return pid && isAlive(pid) ? [profile(d.name, root)] : []
    } catch {
      return [] // a PID file being rewritten
    }
  })
}

/**
 * The stack a command should act on: STACK_PROFILE when set, else the one running stack with
 * `service`; an error that says what to do when none or several are running.
 */
export function targetProfile(service: string, root = ROOT): Profile {
  if (process.env.STACK_PROFILE) return profile(process.env.STACK_PROFILE, root)
  const running = runningProfiles(service, root)
  if (running.length === 1) return running[0]
  if (running.length === 0) throw new Error('no stack is running in this checkout: start one with `npm start`')
  throw new Error(`several stacks are running (${running.map((p) => p.name).join(', ')}): choose one, e.g. STACK_PROFILE=${running[0].name} npm run emulator -- ...`)
}
