// The workflow engine's step ids: a run's steps are memoized by id, so an id used twice in one run is a
// bug in the workflow, refused loudly rather than handing the first step's result to the second.
import { afterAll, describe, expect, test } from 'vitest'
import { defineWorkflow } from '../../supabase/functions/_shared/workflows/define.ts'
import { dispatch } from '../../supabase/functions/_shared/workflows/dispatch.ts'
import { runDue } from '../../supabase/functions/_shared/workflows/runner.ts'
import { adminSql, uniq } from '../helpers/stack.ts'

const sql = adminSql()
afterAll(() => sql.end())

describe('workflow step ids', () => {
  test('a step id used twice in one run is an error, not the first step\'s result handed out again', async () => {
    const id = uniq('wf')
    let second = 0
    const wf = defineWorkflow({ id, triggers: [id] }, async ({ step }) => {
      await step.run('same', async () => 1)
      await step.run('same', async () => (second += 1))
    })
    await dispatch(sql, [wf], { name: id, id: uniq('evt'), data: {}, ts: Date.now() })
    await runDue(sql, [wf])
    const [run] = await sql`select last_error from billing.workflow_runs where workflow_id = ${id}`
    expect(run.last_error).toContain('step id "same" used twice in one run')
    expect(second).toBe(0)
  })
})
