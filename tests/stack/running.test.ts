// `npm run emulator` acts on the stack that is running in the checkout (found from the PID files under
// .local/<profile>/), not on the default profile whatever runs.
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { runningProfiles, targetProfile } from '../../dev/stack/running.ts'

let root: string
const saved = process.env.STACK_PROFILE
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'running-'))
  delete process.env.STACK_PROFILE
})
afterEach(() => {
  rmSync(root, { recursive: true, force: true })
  if (saved === undefined) delete process.env.STACK_PROFILE
  else process.env.STACK_PROFILE = saved
})

function stackWith(name: string, stripePid: number) {
  mkdirSync(path.join(root, '.local', name), { recursive: true })
  writeFileSync(path.join(root, '.local', name, 'pids.json'), JSON.stringify({ postgres: true, services: { stripe: stripePid } }))
}

/** The PID of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''])
  await new Promise((r) => child.on('close', r))
  return child.pid!
}

describe('finding the running stack', () => {
  test('the one profile whose emulator is alive is chosen, whatever its name', async () => {
    stackWith('dev', await deadPid())
    stackWith('mine', process.pid)
    mkdirSync(path.join(root, '.local', 'cargo-pgmq'))
    expect(runningProfiles('stripe', root).map((p) => p.name)).toEqual(['mine'])
    expect(targetProfile('stripe', root).name).toBe('mine')
  })

  test('none running, or several, is an error that says what to do; STACK_PROFILE decides', async () => {
    expect(() => targetProfile('stripe', root)).toThrow('no stack is running in this checkout: start one with `npm start`')
    stackWith('a', process.pid)
    stackWith('b', process.pid)
    expect(() => targetProfile('stripe', root)).toThrow(/several stacks are running \(a, b\).*STACK_PROFILE=a/)
    process.env.STACK_PROFILE = 'b'
    expect(targetProfile('stripe', root).name).toBe('b')
  })
})
