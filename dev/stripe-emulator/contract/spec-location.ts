// Where Stripe's OpenAPI spec is read from: the pinned stripe-mock module in Go's module cache, put
// there by dev/stack/stripe-contract.ts (`npm start`, `npm test`). STRIPE_OPENAPI_SPEC overrides it.
import { execFileSync } from 'node:child_process'
import path from 'node:path'

/** The stripe-mock release whose embedded spec (API version 2026-08-26.dahlia) is the contract. */
export const STRIPE_MOCK_VERSION = 'v0.203.0'

let modCache: string | undefined

export function specPaths(): { spec: string; fixtures: string } {
  if (process.env.STRIPE_OPENAPI_SPEC) {
    const spec = process.env.STRIPE_OPENAPI_SPEC
    return { spec, fixtures: path.join(path.dirname(spec), 'fixtures3.json') }
  }
  modCache ??= process.env.GOMODCACHE || execFileSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8' }).trim()
  const dir = path.join(modCache, 'github.com/stripe', `stripe-mock@${STRIPE_MOCK_VERSION}`, 'embedded/openapi')
  return { spec: path.join(dir, 'spec3.json'), fixtures: path.join(dir, 'fixtures3.json') }
}
