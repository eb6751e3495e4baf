// Two profiles given the same ports (derived from their names, in one checkout or in two clones) cannot
// both start: the first claims them from the start of `up` until `down`, and the second is refused at
// once, naming the holder, instead of dying minutes later on a port bound under it; and a named profile
// is given the next free block when its own is held.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { CLAIMS_DIR, claimPorts, releasePorts, type ClaimOwner } from '../../dev/stack/port-claims.ts'
import { down, up } from '../../dev/stack/stack.ts'
import { probeProfile } from '../helpers/stack.ts'

const dir = mkdtempSync(path.join(tmpdir(), 'port-claims-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const owner = (profile: string, pid = process.pid): ClaimOwner => ({ profile, pidFile: path.join(dir, profile, 'pids.json'), pid })
/** A PID no process has any more. */
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid
const claimed = (port: number) => existsSync(path.join(dir, String(port)))

describe('port claims', () => {
  test('a second profile asking for a held port is refused by name and holds nothing; after release it gets it', () => {
    const a = owner('alpha')
    claimPorts({ api: 41001, db: 41002 }, a, dir)
    const b = owner('beta')
    expect(() => claimPorts({ web: 41003, db: 41002 }, b, dir)).toThrow(/port 41002 \(needed by db of profile beta\) is claimed by profile alpha .*pid \d+/)
    expect(claimed(41003), 'the ports claimed before the refusal are released').toBe(false)
    releasePorts([41001, 41002], b.pidFile, dir)
    expect(claimed(41002), "a profile releases only its own claims").toBe(true)
    claimPorts({ api: 41001, db: 41002 }, a, dir) // the same profile again (a restart): its own claim
    releasePorts([41001, 41002], a.pidFile, dir)
    claimPorts({ web: 41003, db: 41002 }, b, dir)
    releasePorts([41003, 41002], b.pidFile, dir)
    expect([41001, 41002, 41003].filter(claimed)).toEqual([])
  })

  test('a claim whose process is gone is taken over, unless the stack it started still runs', () => {
    claimPorts({ db: 41011 }, owner('gone', deadPid()), dir)
    claimPorts({ db: 41011 }, owner('taker'), dir)
    releasePorts([41011], owner('taker').pidFile, dir)

    // The starting process exited but left its services running (as `npm start` does when killed).
    const running = owner('running', deadPid())
    mkdirSync(path.dirname(running.pidFile), { recursive: true })
    writeFileSync(running.pidFile, JSON.stringify({ postgres: true, services: { auth: process.pid } }))
    claimPorts({ db: 41012 }, running, dir)
    expect(() => claimPorts({ db: 41012 }, owner('taker'), dir)).toThrow(/claimed by profile running/)
  })

  test('a named profile whose block another running profile holds is given the next free one, and keeps it while it holds it', () => {
    const first = probeProfile('moved')
    const other: ClaimOwner = { profile: 'someone-else', pidFile: path.join(dir, 'someone-else', 'pids.json'), pid: process.pid }
    claimPorts({ ...first.ports }, other)
    let mine: number[] = []
    try {
      const moved = probeProfile('moved')
      expect(moved.ports.api).not.toBe(first.ports.api)
      expect(Object.values(moved.ports).filter((port) => Object.values(first.ports).includes(port))).toEqual([])
      expect(moved.dbUrl).toContain(`:${moved.ports.db}/`)
      mine = Object.values(moved.ports)
      claimPorts({ ...moved.ports }, { profile: moved.name, pidFile: moved.pidFile, pid: process.pid })
      releasePorts(Object.values(first.ports), other.pidFile)
      expect(probeProfile('moved').ports, 'its running stack keeps its block when its own frees up').toEqual(moved.ports)
    } finally {
      releasePorts(Object.values(first.ports), other.pidFile)
      releasePorts(mine, first.pidFile)
    }
    expect(probeProfile('moved').ports).toEqual(first.ports)
  })

  test('up() refuses a profile whose ports another profile holds before starting anything', { timeout: 60_000 }, async () => {
    const p = probeProfile('claimed')
    const other: ClaimOwner = { profile: 'someone-else', pidFile: path.join(dir, 'someone-else', 'pids.json'), pid: process.pid }
    claimPorts({ stripe: p.ports.stripe }, other) // the machine-wide claims, as another checkout's stack would
    try {
      const refused = await up(p).then(async () => {
        await down(p, { cluster: true }) // started after all: stopped, and the test fails below
        return null
      }, (err: Error) => err.message)
      expect(refused).toContain(`port ${p.ports.stripe} (needed by stripe of profile ${p.name}) is claimed by profile someone-else`)
      expect(existsSync(p.pidFile), 'nothing was started').toBe(false)
    } finally {
      releasePorts([p.ports.stripe], other.pidFile)
    }
    expect(Object.values(p.ports).filter((port) => existsSync(path.join(CLAIMS_DIR, String(port)))), 'the refused profile holds none').toEqual([])
  })
})
