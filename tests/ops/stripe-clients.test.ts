// DESIGN rule 8: every Stripe call of the product draws from the one rate limiter in Postgres. The
// functions and the operator tools (scripts/) therefore build Stripe clients only through
// _shared/stripe/client.ts (limitedStripe / stripeClient), whose HTTP layer takes a token per request.
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { ROOT } from '../../dev/stack/config.ts'

const THE_CONSTRUCTION = 'supabase/functions/_shared/stripe/client.ts'

function sources(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.tsx?$/.test(e.name))
    .map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)))
}

const CONSTRUCTS = /\bnew\s+Stripe(?:\.Stripe)?\s*\(/

/** Files that construct a Stripe client themselves. */
function constructing(files: string[]): string[] {
  return files.filter((f) => CONSTRUCTS.test(readFileSync(path.join(ROOT, f), 'utf8')))
}

describe('one Stripe client construction, behind the shared rate limiter', () => {
  test('the functions and the operator tools build Stripe clients only in _shared/stripe/client.ts', () => {
    const files = [...sources('supabase/functions'), ...sources('scripts')]
    expect(files).toContain(THE_CONSTRUCTION)
    expect(files.filter((f) => f.startsWith('scripts/')).length).toBeGreaterThan(3)
    expect(constructing(files)).toEqual([THE_CONSTRUCTION])
  })

  test('the check sees a client built outside it, and not a mere mention', () => {
    expect(CONSTRUCTS.test('const s = new Stripe(key, { apiVersion })')).toBe(true)
    expect(CONSTRUCTS.test('new Stripe.Stripe(key)')).toBe(true)
    expect(CONSTRUCTS.test('Stripe.createFetchHttpClient(); // a refund in Stripe (full)')).toBe(false)
  })
})
