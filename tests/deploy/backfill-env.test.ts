// The production backfill reads its settings from the environment only: without them it stops and says
// which are missing, instead of quietly using a local stack's database and Stripe emulator.
import { spawnSync } from 'node:child_process'
import { expect, test } from 'vitest'
import { ROOT } from '../../dev/stack/config.ts'

const backfill = (env: Record<string, string>) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'scripts/backfill.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  })

test('without STRIPE_SECRET_KEY and SUPABASE_DB_URL the backfill names them and stops', { timeout: 90_000 }, () => {
  const r = backfill({})
  expect(r.status).toBe(2)
  expect(r.stderr).toContain('backfill: set STRIPE_SECRET_KEY and SUPABASE_DB_URL (or run `npm run backfill -- --local` against the local stack)')
})

test('with only the Stripe key it asks for the database', { timeout: 90_000 }, () => {
  const r = backfill({ STRIPE_SECRET_KEY: 'sk_test_unused' })
  expect(r.status).toBe(2)
  expect(r.stderr).toContain('backfill: set SUPABASE_DB_URL')
})
