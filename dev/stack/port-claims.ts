// Machine-wide claims on a profile's ports, held from the start of `up` until `down`. Named profiles
// get ports derived from their name, so two profiles (of one checkout or of two clones) can be given
// the same ones; a check that a port is free passes for both while neither has bound it yet (a stack
// binds its last ports minutes after its first check), and one of them then dies on a taken port. A
// claim is a file per port, created atomically: the second profile is refused at once, by name, and a
// profile whose block another holds is given the next free one (config.ts asks blockFor).
import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { isAlive } from './proc.ts'

/** Shared by every checkout on the machine (each clone has its own `.local`, not its own /tmp). */
export const CLAIMS_DIR = path.join(os.tmpdir(), 'stripe-billing-supabase-ports')

/** Who holds a port: the profile, the PID file that says whether its stack runs, and the claiming process. */
export interface ClaimOwner {
  profile: string
  pidFile: string
  pid: number
}

class PortClaimedError extends Error {
  constructor(port: number, service: string, wanted: string, owner: ClaimOwner) {
    super(
      `port ${port} (needed by ${service} of profile ${wanted}) is claimed by profile ${owner.profile} ` +
        `(${path.dirname(owner.pidFile)}, pid ${owner.pid}): both were given the same ports; stop that stack ` +
        `(STACK_PROFILE=${owner.profile} npm run stack:down in its checkout) or use another profile name`,
    )
    this.name = 'PortClaimedError'
  }
}

function readClaim(file: string): ClaimOwner | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ClaimOwner
  } catch {
    return null // released meanwhile
  }
}

/** A claim outlives its claiming process while the stack it started runs (services in its PID file). */
function held(owner: ClaimOwner): boolean {
  if (isAlive(owner.pid)) return true
  try {
    const { services = {} } = JSON.parse(readFileSync(owner.pidFile, 'utf8')) as { services?: Record<string, number> }
    return Object.values(services).some(isAlive)
  } catch {
    return false
  }
}

/** Claims one port, or throws naming its live holder; a dead holder's claim is taken over. */
function claimOne(dir: string, port: number, service: string, owner: ClaimOwner): void {
  const file = path.join(dir, String(port))
  const mine = path.join(dir, `.${port}.${owner.pid}.${Math.random().toString(36).slice(2)}`)
  writeFileSync(mine, JSON.stringify(owner))
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        linkSync(mine, file) // atomic: fails when the file exists
        return
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      }
      const holder = readClaim(file)
      if (holder && holder.pidFile === owner.pidFile) {
        renameSync(mine, file) // this profile's own claim, from an earlier start
        return
      }
      if (holder && held(holder)) throw new PortClaimedError(port, service, owner.profile, holder)
      // Stale (or released meanwhile): moved aside, so that of two takers only one links its claim; a
      // fresh claim moved aside instead (another taker's, linked in between) is put back.
      const aside = `${mine}.stale`
      try {
        renameSync(file, aside)
      } catch {
        continue // released, or moved by another taker
      }
      const moved = readClaim(aside)
      if (moved && (moved.pid !== holder?.pid || moved.pidFile !== holder?.pidFile)) {
        try {
          linkSync(aside, file)
        } catch {
          // a third claim is there now: the next attempt judges it
        }
      }
      rmSync(aside, { force: true })
    }
    throw new Error(`could not claim port ${port} for profile ${owner.profile}: its claim file kept changing`)
  } finally {
    rmSync(mine, { force: true })
  }
}

/**
 * Of a named profile's candidate blocks (by first port), the one its running stack claimed, else the
 * first no other running profile holds (the first when all are held: its start is then refused by name).
 */
export function blockFor(bases: number[], pidFile: string, dir = CLAIMS_DIR): number {
  const holders = bases.map((base) => readClaim(path.join(dir, String(base))))
  const own = holders.findIndex((h) => h?.pidFile === pidFile)
  if (own >= 0) return bases[own]
  const free = holders.findIndex((h) => !h || !held(h))
  return bases[Math.max(free, 0)]
}

/** Claims every port, or none: on a refusal the ports claimed so far are released and the error thrown. */
export function claimPorts(ports: Record<string, number>, owner: ClaimOwner, dir = CLAIMS_DIR): void {
  mkdirSync(dir, { recursive: true })
  const done: number[] = []
  try {
    for (const [service, port] of Object.entries(ports)) {
      claimOne(dir, port, service, owner)
      done.push(port)
    }
  } catch (err) {
    releasePorts(done, owner.pidFile, dir)
    throw err
  }
}

/** Releases the ports this profile (its PID file) holds; another profile's claims are left alone. */
export function releasePorts(ports: number[], pidFile: string, dir = CLAIMS_DIR): void {
  for (const port of ports) {
    const file = path.join(dir, String(port))
    if (readClaim(file)?.pidFile === pidFile) rmSync(file, { force: true })
  }
}
