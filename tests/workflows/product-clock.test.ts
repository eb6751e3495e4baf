// The product's clock in the local stack follows the Stripe emulator's (PRODUCT_CLOCK_URL, read by
// _shared/clock.ts): after the emulator moves 40 days on, due work runs as of that time without anyone
// passing `asOf`, and putting the emulator's clock back puts the product's back.
import { afterAll, afterEach, describe, expect, test } from 'vitest'
import { productNow, productNowInStep } from '../../supabase/functions/_shared/clock.ts'
import { handOver, mirror, settle, subscription, customerWithUser, useStackEnv } from '../helpers/billing.ts'
import { holdProductClockForFile } from '../helpers/product-clock.ts'
import { adminSql } from '../helpers/stack.ts'
import { harness, type Harness } from '../emulator/harness.ts'

const DAY = 86_400_000
const sql = adminSql()
let h: Harness
// Due work 40 days on is every customer's in this database: hold the clock, as other such files do (with
// the hook's timeout long enough for the wait; the release, after the hooks below, puts SQL's offset back).
holdProductClockForFile(async () => {
  useStackEnv()
  h = await harness()
  process.env.PRODUCT_CLOCK_URL = `${h.emulator.url}/_emulator/clock`
})
afterAll(async () => {
  delete process.env.PRODUCT_CLOCK_URL
  await h?.close()
  await sql.end()
})

const waitForCache = () => new Promise((r) => setTimeout(r, 600))

/**
 * This file's emulator back to wall time, and SQL's offset with it (this process wrote 40 days there; the
 * stack's worker follows another emulator and never rewrites it): after every test, passed or failed,
 * so no test here, nor pgTAP's grace-period check afterwards, sees the product 40 days on.
 */
async function backToWallTime(): Promise<void> {
  await h.control('/clock/reset', {})
  await waitForCache()
  await productNowInStep(sql)
}
afterEach(backToWallTime)

/** SQL's product clock offset in seconds. */
async function sqlOffset(): Promise<number> {
  return (await sql<{ s: number }[]>`select extract(epoch from product_clock_offset)::float8 as s from billing.settings`)[0].s
}

/** has_active_entitlement as the service role calls it. */
async function entitled(organizationId: string): Promise<boolean> {
  return await sql.begin(async (tx) => {
    await tx`select set_config('request.jwt.claims', ${JSON.stringify({ role: 'service_role' })}, true)`
    const [{ ok }] = await tx`select public.has_active_entitlement(${organizationId}::uuid, 'seats') as ok`
    return ok as boolean
  })
}

// Tests settle the stack (up to 45 s each, settle()) and often more than once: more than the 30 s default.
describe('the product clock', { timeout: 120_000 }, () => {
  test('follows the emulator\'s own clock, forwards and back to wall time', async () => {
    expect(Math.abs((await productNow()).getTime() - Date.now())).toBeLessThan(5_000)
    await h.control('/clock/advance', { seconds: 40 * 86_400 })
    await waitForCache()
    expect(Math.abs((await productNow()).getTime() - (Date.now() + 40 * DAY))).toBeLessThan(5_000)
    await h.control('/clock/reset', {})
    await waitForCache()
    expect(Math.abs((await productNow()).getTime() - Date.now())).toBeLessThan(5_000)
  })

  test('after a test that moved it 40 days on, SQL\'s product clock is back at wall time', async () => {
    await h.control('/clock/advance', { seconds: 40 * 86_400 })
    await waitForCache()
    await productNowInStep(sql)
    expect(await sqlOffset()).toBe(40 * 86_400)
    await backToWallTime()
    expect(await sqlOffset(), 'billing.settings.product_clock_offset left moved').toBe(0)
  })

  test('SQL follows it too: a failed payment\'s grace period is over once the emulator has moved past it', async () => {
    const [org] = await sql`insert into public.organizations (name, billing_status, last_payment_failed_at, plan_limits)
      values ('Grace Co', 'payment_failed', now() - interval '1 day', '{"seats": 5}') returning id`
    expect(await sqlOffset(), 'the product clock starts this test moved (a test before it did not put it back)').toBe(0)
    expect(await entitled(org.id)).toBe(true)
    await h.control('/clock/advance', { seconds: 40 * 86_400 })
    await waitForCache()
    try {
      await settle(sql)
      expect(await entitled(org.id)).toBe(false)
    } finally {
      await backToWallTime()
    }
    expect(await entitled(org.id)).toBe(true)
    await sql`delete from public.organizations where id = ${org.id}`
  })

  test('runs the 30-day deletion after the emulator moved 40 days on, with no time given to the runner', async () => {
    const c = await customerWithUser(sql, 'Clockwork Co')
    const sub = subscription(c)
    await handOver(sql, 'customer.subscription.created', sub)
    await settle(sql)
    const ended = { ...sub, status: 'canceled', ended_at: Math.floor(Date.now() / 1000), canceled_at: Math.floor(Date.now() / 1000) }
    await mirror(sql, ended)
    await handOver(sql, 'customer.subscription.deleted', ended, undefined, { mirror: false })
    await settle(sql)
    expect((await sql`select billing_status from public.organizations where stripe_customer_id = ${c.id}`)[0].billing_status).toBe('cancelled')
    await h.control('/clock/advance', { seconds: 40 * 86_400 })
    await waitForCache()
    try {
      await settle(sql)
      await settle(sql)
    } finally {
      await backToWallTime()
    }
    const [org] = await sql`select billing_status from public.organizations where stripe_customer_id = ${c.id}`
    expect(org.billing_status).toBe('deleted')
  })
})
