// The first-install backfill: every Stripe customer (across list pages) is synced into the mirror.
import { afterAll, beforeAll, expect, onTestFinished, test } from 'vitest'
import { backfill, type BackfillProgress } from '../../supabase/functions/_shared/sync/backfill.ts'
import { createGroupSyncer } from '../../supabase/functions/_shared/sync/syncer.ts'
import { adminSql, uniq } from '../helpers/stack.ts'
import { ownBucket, startStripe, type EmulatedStripe } from '../helpers/stripe-emulator.ts'

const sql = adminSql()
const limiterSql = adminSql()
let s: EmulatedStripe
const queue = uniq('backfill')
beforeAll(async () => {
  s = await startStripe()
  await sql`select pgmq.create(${queue})`
})
afterAll(async () => {
  await sql`select pgmq.drop_queue(${queue})`
  await s.close()
  await limiterSql.end()
  await sql.end()
})

test('backfill syncs every customer Stripe lists, across pages, and reports its progress', { timeout: 60_000 }, async () => {
  const ids: string[] = []
  for (let i = 0; i < 120; i++) ids.push((await s.stripe.customers.create({ email: `bf${i}@example.test`, name: `Backfilled ${i}` })).id)
  // A rate-limit bucket of this file's own: the 120 fetches never drain the stack's 'test' bucket.
  const { bucket, drop } = await ownBucket(sql)
  onTestFinished(drop)
  const ctx = { stripe: s.limited(limiterSql, bucket) }
  const seen: BackfillProgress[] = []
  const result = await backfill(sql, ctx, createGroupSyncer({ sql, queue, stripe: ctx }), { queue, concurrency: 4, onProgress: (p) => seen.push(p) })
  expect(result).toEqual({ phase: 'syncing', customers: 120, synced: 120, failed: 0 })
  expect((await s.requests()).filter((r) => r.method === 'GET' && r.path === '/v1/customers')).toHaveLength(2)
  const rows = await sql`select id, name from public.stripe_customers where id = any(${ids}) and not deleted`
  expect(new Map(rows.map((r) => [r.id, r.name]))).toEqual(new Map(ids.map((id, i) => [id, `Backfilled ${i}`])))
  expect(seen.some((p) => p.phase === 'listing') && seen.at(-1)?.synced === 120).toBe(true)
})
