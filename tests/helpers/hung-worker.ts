// A sync worker process that reads the product's queue with stripe-sync's own settings, renews its
// messages while it "works", and never finishes a group: the liveness test and the limits bench kill it
// mid-batch. Prints `ready`, then `holding <event ids>` once it holds a group. Run: node --import tsx tests/helpers/hung-worker.ts
import { syncLimits } from '../../supabase/functions/_shared/sync/budget.ts'
import { runWorker } from '../../supabase/functions/_shared/sync/worker.ts'
import { adminSql } from './stack.ts'

const sql = adminSql()
process.stdout.write('ready\n')
// An empty queue ends a worker run: read again until there is something to hold (then it hangs).
for (;;) {
  await runWorker(sql, async (g) => {
    process.stdout.write(`holding ${g.eventIds.join(' ')}\n`)
    await new Promise(() => {})
  }, { concurrency: 32, visibilitySeconds: syncLimits().visibilitySeconds })
  await new Promise((r) => setTimeout(r, 100))
}
