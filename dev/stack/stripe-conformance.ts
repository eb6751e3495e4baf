// `npm run stripe:conformance`: runs a broad scripted lifecycle (every resource and hosted page of the
// emulator) against an emulator in strict mode and prints, per object type, the objects checked and
// the mismatches, per operation the requests checked and refused, then one summary line. Exit 1 on
// any mismatch, refusal or failed call.
import { startEmulator } from '../stripe-emulator/server.ts'
import { emulatorClient } from './stripe.ts'
import { ensureStripeContract } from './stripe-contract.ts'
import { runLifecycle } from '../stripe-emulator/contract/lifecycle.ts'
import { loadSpec } from '../stripe-emulator/contract/spec.ts'
import type { Tally } from '../stripe-emulator/contract/conformance.ts'

await ensureStripeContract()
const emulator = await startEmulator({ port: 0, conformance: process.argv.includes('--report') ? 'report' : 'strict', tickMs: 3_600_000, retryBaseMs: 20 })
let failure: unknown = null
try {
  await runLifecycle(emulatorClient(emulator.port, { key: 'sk_test_conformance' }), emulator)
} catch (err) {
  failure = err
}
await emulator.close()

const { objects, requests, findings } = emulator.emu.conformance.summary()
const table = (title: string, rows: Record<string, Tally>, failedLabel: string) => {
  const w = Math.max(title.length, ...Object.keys(rows).map((k) => k.length))
  console.log(`\n${title.padEnd(w)}  checked  ${failedLabel}`)
  for (const [k, t] of Object.entries(rows).sort(([a], [b]) => a.localeCompare(b))) console.log(`${k.padEnd(w)}  ${String(t.checked).padStart(7)}  ${String(t.failed).padStart(failedLabel.length)}`)
}
console.log(`Stripe contract: stripe-mock ${'v0.203.0'} spec ${loadSpec().version}; emulator answers API version 2026-10-28.endive`)
table('object type', objects, 'mismatches')
table('operation', requests, 'refused')
if (findings.length) {
  console.log('\nfindings:')
  for (const f of findings) console.log(`  ${f.kind} ${f.subject} ${f.path}: ${f.rule} (${f.at})`)
}
if (failure) console.log(`\nthe lifecycle stopped: ${failure instanceof Error ? failure.message : String(failure)}`)
const sum = (rows: Record<string, Tally>) => Object.values(rows).reduce((a, t) => ({ checked: a.checked + t.checked, failed: a.failed + t.failed }), { checked: 0, failed: 0 })
const o = sum(objects)
const r = sum(requests)
console.log(`\n${o.checked} objects checked (${Object.keys(objects).length} types), ${o.failed} mismatches; ${r.checked} requests checked (${Object.keys(requests).length} operations), ${r.failed} refused${failure ? '; lifecycle FAILED' : ''}`)
process.exit(o.failed || r.failed || failure ? 1 : 0)
