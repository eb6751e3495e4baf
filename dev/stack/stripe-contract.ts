// Stripe's own contract, obtained the way the pgmq crate is: pinned and idempotent. The Go module
// github.com/stripe/stripe-mock carries Stripe's OpenAPI spec (embedded/openapi/spec3.json) and
// fixtures, and builds the official stateless stripe-mock server. `go install` puts the module in Go's
// module cache (where the emulator reads the spec: it is never copied into this repository) and the
// binary under .local/stripe-mock/ (to compare the emulator's answers with Stripe's own mock).
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import { ROOT } from './config.ts'
import { runOk } from './proc.ts'
import { STRIPE_MOCK_VERSION, specPaths } from '../stripe-emulator/contract/spec-location.ts'

export { STRIPE_MOCK_VERSION }

const BIN_DIR = path.join(ROOT, '.local', 'stripe-mock')

export interface StripeContract {
  /** The official stripe-mock binary (`-http-port N`). */
  binary: string
  spec: string
  fixtures: string
}

/** Installs stripe-mock at the pinned version unless this very version is already installed. */
export async function ensureStripeContract(): Promise<StripeContract> {
  const binary = path.join(BIN_DIR, 'stripe-mock')
  const stamp = path.join(BIN_DIR, 'VERSION')
  const installed = existsSync(binary) && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === STRIPE_MOCK_VERSION
  if (!installed) {
    mkdirSync(BIN_DIR, { recursive: true })
    await runOk('go', ['install', `github.com/stripe/stripe-mock@${STRIPE_MOCK_VERSION}`], {
      env: { ...process.env, GOBIN: BIN_DIR, GOFLAGS: '-mod=mod' },
    })
    writeFileSync(stamp, `${STRIPE_MOCK_VERSION}\n`)
  }
  const { spec, fixtures } = specPaths()
  if (!existsSync(spec)) throw new Error(`stripe-mock ${STRIPE_MOCK_VERSION} is installed but ${spec} is missing`)
  return { binary, spec, fixtures }
}
