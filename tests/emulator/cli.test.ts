// The official Stripe CLI (npm @stripe/cli) drives the emulator: `stripe trigger <event>` runs
// Stripe's own recipes against it, and each must complete and emit its event.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { harness, type Harness } from './harness.ts'

const run = promisify(execFile)
let h: Harness
beforeAll(async () => {
  h = await harness()
})
afterAll(() => h.close())

const REQUIRED = [
  'customer.subscription.created', 'customer.subscription.updated', 'customer.subscription.deleted',
  'customer.updated', 'invoice.payment_succeeded', 'customer.subscription.trial_will_end',
]
// Other billing triggers that work (see the README for the ones that do not).
const ALSO = ['checkout.session.completed', 'invoice.payment_failed', 'invoice.paid', 'invoice.finalized', 'invoice.voided', 'customer.deleted', 'billing_portal.session.created']

describe('stripe trigger', () => {
  for (const type of [...REQUIRED, ...ALSO]) {
    it(`${type} completes and emits the event`, async () => {
      const from = h.received.length
      const { stdout, stderr } = await run('node_modules/.bin/stripe', ['trigger', type, '--api-base', h.emulator.url, '--api-key', 'sk_test_emulator_cli'], {
        env: { ...process.env, STRIPE_CLI_TELEMETRY_OPTOUT: '1', HOME: process.env.HOME ?? '/tmp' },
        timeout: 30_000,
      })
      expect(`${stdout}${stderr}`).toContain('Trigger succeeded')
      expect(await h.settle(from)).toContain(type)
    })
  }
})
