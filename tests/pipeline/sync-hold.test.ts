// The worker's visibility hold lets go of the messages it has finished with: a group that failed keeps
// the retry delay the worker gave it, even while the worker goes on renewing the visibility of other
// groups it is still syncing (found by the line-breaking spot-check: nothing failed without the release).
import { afterAll, expect, test } from 'vitest'
import { RetryAfterError } from '../../supabase/functions/_shared/errors.ts'
import { runWorker } from '../../supabase/functions/_shared/sync/worker.ts'
import { adminSql, uniq } from '../helpers/stack.ts'

const sql = adminSql()
const queues: string[] = []
afterAll(async () => {
  for (const q of queues) await sql`select pgmq.drop_queue(${q})`
  await sql.end()
})

test('a failed group keeps its 60 s retry delay while the worker renews another group\'s visibility', { timeout: 60_000 }, async () => {
  const q = uniq('holdq')
  queues.push(q)
  await sql`select pgmq.create(${q})`
  for (const customer of ['cus_fails', 'cus_slow']) {
    await sql`select pgmq.send(${q}::text, billing.sync_queue_message('invoice.paid', ${customer}, 'in_x', ${uniq('evt')}), 0)`
  }
  // Visibility 3 s: renewed every second. The slow group takes 4 s, so renewals run after the failure.
  let failedAt = 0
  const report = await runWorker(sql, async (g) => {
    if (g.key === 'customer:cus_fails') {
      failedAt = Date.now()
      throw new RetryAfterError('Stripe answered 429', 60_000)
    }
    await new Promise((r) => setTimeout(r, 4000))
  }, { queue: q, visibilitySeconds: 3, concurrency: 2 })
  expect(report.retried.map((r) => [r.key, r.retryInSeconds])).toEqual([['customer:cus_fails', 60]])
  // Measured from the failure, not from now: however long the machine took since, the 60 s delay stands
  // (a renewal would have made it 3 s from the last renewal).
  const [row] = await sql.unsafe(`select extract(epoch from vt)::float8 * 1000 as vt_ms from pgmq.q_${q} where message ->> 'customer_id' = 'cus_fails'`)
  expect(row.vt_ms - failedAt).toBeGreaterThan(59_000)
})
