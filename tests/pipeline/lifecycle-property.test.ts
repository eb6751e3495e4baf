// Property (DESIGN rules 1–4): whatever a few customers do in Stripe, and however the webhooks arrive
// (reordered, duplicated, first attempts dropped: the emulator's seeded chaos), the product's webhook
// handler and sync worker leave the mirror equal to what Stripe holds. The stories are
// tests/helpers/lifecycle.ts's; a failing case prints its seed and path (PROPERTY_SEED, PROPERTY_RUNS).
import { afterAll, beforeAll, describe, test } from 'vitest'
import { lifecycles, type Lifecycles } from '../helpers/lifecycle.ts'
import { expectMirrorEqualsStripe } from '../helpers/mirror.ts'
import { adminSql } from '../helpers/stack.ts'

const sql = adminSql()
const limiterSql = adminSql()
let driver: Lifecycles
beforeAll(async () => {
  driver = await lifecycles(sql, limiterSql)
})
afterAll(async () => {
  await driver.close()
  await limiterSql.end()
  await sql.end()
})

describe('full lifecycles through chaotic delivery', () => {
  test('any sequence of Stripe operations, delivered in any order with duplicates and retries, leaves the mirror equal to Stripe', async () => {
    await driver.assertEveryStory(async (run) => {
      for (const c of run.customers) await expectMirrorEqualsStripe(sql, run.s.running.emu, c.id, c.org)
    }, 20)
  }, 180_000)
})
