// The report at the end of `npm test` of what strict mode found: every emulator of the run (the test
// stack's, and those vitest starts in its workers) appends each response or event that does not match
// Stripe's spec, and each request the spec refuses, to one JSON-lines file. Any line fails the run.
import { existsSync, readFileSync, rmSync } from 'node:fs'
import path from 'node:path'
import type { Profile } from '../stack/config.ts'
import type { Finding, Tally } from '../stripe-emulator/contract/conformance.ts'

/** Points every emulator of this run at a fresh report file; returns its path. */
export function startContractReport(p: Profile): string {
  const file = path.join(p.dir, 'stripe-conformance.jsonl')
  rmSync(file, { force: true })
  process.env.STRIPE_EMULATOR_REPORT = file
  return file
}

/** Prints the findings grouped by kind, subject, path and rule (with a count and one example each). */
export function contractReport(file: string): { passed: number; failed: number } {
  const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []
  const findings: Finding[] = lines.filter((l) => l.kind !== 'tally')
  // Each emulator appends its counts when it closes: objects checked per type, requests per operation.
  const totals = { objects: 0, types: new Set<string>(), requests: 0, operations: new Set<string>() }
  for (const t of lines.filter((l) => l.kind === 'tally') as { objects: Record<string, Tally>; requests: Record<string, Tally> }[]) {
    for (const [k, v] of Object.entries(t.objects)) (totals.objects += v.checked), totals.types.add(k)
    for (const [k, v] of Object.entries(t.requests)) (totals.requests += v.checked), totals.operations.add(k)
  }
  const groups = new Map<string, { n: number; example: Finding }>()
  for (const f of findings) {
    const key = `${f.kind} ${f.subject} ${f.path.replace(/\/\d+(?=\/|$)/g, '/N')}: ${f.rule}`
    const g = groups.get(key)
    if (g) g.n++
    else groups.set(key, { n: 1, example: f })
  }
  for (const [key, g] of [...groups].sort(([a], [b]) => a.localeCompare(b))) process.stdout.write(`${String(g.n).padStart(5)}  ${key}  (e.g. ${g.example.at})\n`)
  const mismatches = findings.filter((f) => f.kind !== 'request').length
  const refused = findings.length - mismatches
  process.stdout.write(
    `Stripe contract (${process.env.STRIPE_EMULATOR_STRICT === '1' ? 'strict' : process.env.STRIPE_EMULATOR_STRICT} mode): ${totals.objects} objects of ${totals.types.size} types checked, ${mismatches} not matching the spec; ` +
      `${totals.requests} requests to ${totals.operations.size} operations checked, ${refused} refused (emulators still running at the end are not counted)\n`,
  )
  return findings.length ? { passed: 0, failed: 1 } : { passed: 1, failed: 0 }
}
