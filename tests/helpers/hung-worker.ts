// A sync worker process that reads the product's queue with stripe-sync's own settings, renews its
// messages while it "works", and never finishes a group: the liveness test kills it mid-batch.
// Prints `holding <event ids>` once it holds a batch. Run: node --import tsx tests/helpers/hung-worker.ts
import { syncLimits } from '../../supabase/functions/_shared/sync/budget.ts'
import { runWorker } from '../../supabase/functions/_shared/sync/worker.ts'
import { adminSql } from './stack.ts'

const sql = adminSql()
await runWorker(sql, async (g) => {
  process.stdout.write(`holding ${g.eventIds.join(' ')}\n`)
  await new Promise(() => {})
}, { concurrency: 32, visibilitySeconds: syncLimits().visibilitySeconds })
