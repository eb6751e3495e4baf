// The first-install backfill: every Stripe customer (across list pages) is synced into the mirror.
import { afterAll, beforeAll, expect, test } from 'vitest'
import { backfill, type BackfillProgress } from '../../supabase/functions/_shared/sync/backfill.ts'
import { createGroupSyncer } from '../../supabase/functions/_shared/sync/syncer.ts'
import { startFakeStripe, type FakeStripe } from '../helpers/fake-stripe.ts'
import { adminSql, uniq } from '../helpers/stack.ts'

const sql = adminSql()
const limiterSql = adminSql()
let fake: FakeStripe
const queue = uniq('backfill')
beforeAll(async () => {
  fake = await startFakeStripe()
  await sql`select pgmq.create(${queue})`
})
afterAll(async () => {
  await sql`select pgmq.drop_queue(${queue})`
  await fake.close()
  await limiterSql.end()
  await sql.end()
})

test('backfill syncs every customer Stripe lists, across pages, and reports its progress', { timeout: 60_000 }, async () => {
  const ids = Array.from({ length: 120 }, () => uniq('cus_bf'))
  for (const id of ids) fake.customers.set(id, { id, object: 'customer', email: `${id}@example.test`, name: id, metadata: {} })
  const ctx = { stripe: fake.client(), sql: limiterSql, bucket: 'test' as const }
  await sql`update billing.stripe_rate_limits set tokens = burst, paused_until = null where bucket = 'test'`
  const seen: BackfillProgress[] = []
  const result = await backfill(sql, ctx, createGroupSyncer({ sql, queue, stripe: ctx }), { queue, concurrency: 4, onProgress: (p) => seen.push(p) })
  expect(result).toEqual({ phase: 'syncing', customers: 120, synced: 120, failed: 0 })
  expect(fake.log.filter((r) => r.path === '/v1/customers')).toHaveLength(2)
  const [{ n }] = await sql`select count(*)::int as n from public.stripe_customers where id = any(${ids}) and not deleted`
  expect(n).toBe(120)
  expect(seen.some((p) => p.phase === 'listing') && seen.at(-1)?.synced === 120).toBe(true)
})
