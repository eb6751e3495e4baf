// The runner's claim reads the due index in wake_at order: finished runs leave dead entries in it until a
// vacuum, and a bitmap scan (what the claim's OR of statuses gave) re-read all of them on every claim, on
// every stripe-sync invocation (2.5 ms at ~1,300 finished runs). An index scan stops at the limit and
// marks the dead entries it passes. The plan is read with auto_explain, loaded in this session only.
import postgres from 'postgres'
import { afterAll, expect, test } from 'vitest'
import { defineWorkflow } from '../../supabase/functions/_shared/workflows/define.ts'
import { runDue } from '../../supabase/functions/_shared/workflows/runner.ts'
import { stackProfile, uniq } from '../helpers/stack.ts'

const plans: string[] = []
const sql = postgres(stackProfile.dbUrl, { max: 1, onnotice: (n) => plans.push(String(n.message)) })
const id = uniq('claim-plan')
afterAll(async () => {
  await sql`delete from billing.workflow_runs where workflow_id = ${id}`
  await sql.end()
})

test('a claim reads the due runs by an index scan, not a bitmap scan of every finished run', async () => {
  // Finished runs of this workflow, as a busy product has between vacuums, and statistics that know them.
  await sql`insert into billing.workflow_runs (workflow_id, trigger_key, event_name, event, status, wake_at)
    select ${id}, ${id} || ':' || g, ${`${id}.go`}, '{}', 'completed', now() - interval '1 minute' from generate_series(1, 2000) g`
  await sql`analyze billing.workflow_runs`
  const workflow = defineWorkflow({ id, triggers: [`${id}.go`] }, async () => null)
  await sql`load 'auto_explain'`
  await sql`set auto_explain.log_min_duration = 0`
  await sql`set auto_explain.log_nested_statements = on`
  await sql`set auto_explain.log_level = notice`
  await runDue(sql, [workflow], { work: 'immediate', budgetMs: 5_000 })
  await sql`set auto_explain.log_min_duration = -1`
  const claim = plans.find((p) => p.includes('prev_status'))
  expect(claim, plans.join('\n---\n')).toBeDefined()
  expect(claim).toMatch(/Index Scan using workflow_runs_due_idx on workflow_runs/)
  expect(claim).not.toMatch(/Bitmap Heap Scan on workflow_runs/)
})
