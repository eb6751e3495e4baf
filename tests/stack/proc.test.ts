// The stack's command runner: a command that exits without reading its input is judged by its exit
// code, not crashed by the closed pipe (EPIPE), which once failed a stack:reset under load.
import { describe, expect, test } from 'vitest'
import { run } from '../../dev/stack/proc.ts'

describe('run', () => {
  test('a command that ignores a large input still gives its exit code and output', async () => {
    const input = 'x'.repeat(4 * 1024 * 1024) // far beyond a pipe's buffer, so the write outlives the command
    for (let i = 0; i < 5; i++) {
      const r = await run(process.execPath, ['-e', 'process.stdout.write("done"); process.exit(3)'], { input })
      expect(r).toMatchObject({ code: 3, stdout: 'done' })
    }
  })
})
