// `npm test`'s check of `npm run bench -- --quick`: it runs on a profile of its own and ends with the
// eight target lines, in order, each a finite number. Its shape, not its speed.
import path from 'node:path'
import { ROOT } from '../stack/config.ts'
import { run } from '../stack/proc.ts'
import { TARGET_NAMES } from './report.ts'

/** The problems with a bench output's closing lines (none: the shape is right). */
export function closingProblems(stdout: string): string[] {
  const last = stdout.trimEnd().split('\n').slice(-TARGET_NAMES.length)
  return TARGET_NAMES.flatMap((name, i) => {
    const m = new RegExp(`^${name}=(.+)$`).exec(last[i] ?? '')
    if (!m) return [`line ${i + 1} of the last ${TARGET_NAMES.length} is not ${name}=<x>: ${JSON.stringify(last[i] ?? '')}`]
    return Number.isFinite(Number(m[1])) ? [] : [`${name} is not a number: ${m[1]}`]
  })
}

export async function benchSmoke(profileName: string): Promise<{ passed: number; failed: number }> {
  const r = await run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'dev/bench/run.ts'), '--quick'], { cwd: ROOT, env: { ...process.env, BENCH_PROFILE: profileName } })
  process.stdout.write(r.stdout.split('\n').slice(-20).join('\n') + '\n')
  const problems = r.code === 0 ? closingProblems(r.stdout) : [`exited ${r.code}: ${r.stderr.slice(-2000)}`]
  for (const p of problems) process.stdout.write(`bench smoke: ${p}\n`)
  return problems.length === 0 ? { passed: 1, failed: 0 } : { passed: 0, failed: 1 }
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const r = await benchSmoke(process.argv[2] ?? 'bench-smoke')
  process.exit(r.failed ? 1 : 0)
}
