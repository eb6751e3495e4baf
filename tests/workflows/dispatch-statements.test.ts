// Dispatching an event runs inside the sync's transaction once per synced event, so its statements are
// a large share of the CPU an event costs (issue 15): every cancel and start of one event goes to the
// database as one statement, with the same effects as the one-by-one statements it replaced.
import postgres from 'postgres'
import { afterAll, describe, expect, test } from 'vitest'
import { defineWorkflow, type WorkflowEvent } from '../../supabase/functions/_shared/workflows/define.ts'
import { dispatch } from '../../supabase/functions/_shared/workflows/dispatch.ts'
import { stackProfile, uniq } from '../helpers/stack.ts'

let statements = 0
const sql = postgres(stackProfile.dbUrl, { max: 1, onnotice: () => {}, debug: () => void statements++ })
afterAll(() => sql.end())

const ev = (name: string, data: Record<string, unknown> = {}): WorkflowEvent => ({ name, id: uniq('evt'), data, ts: Date.now() })
const counted = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
  const before = statements
  const r = await f()
  return [r, statements - before]
}

describe('dispatching one event', () => {
  test('cancels runs and scheduled events and starts runs in one statement', async () => {
    const id = uniq('wf')
    const key = `customer:${id}`
    const pending = defineWorkflow(
      { id: `${id}-pending`, triggers: [`${id}.later`], cancelKey: () => key, cancelOn: [{ event: `${id}.go`, key: () => key }] },
      async () => null,
    )
    const keyed = defineWorkflow({ id: `${id}-keyed`, triggers: [`${id}.go`], key: (e) => `k:${e.data.n}`, cancelKey: () => `other:${id}` }, async () => null)
    const plain = defineWorkflow({ id: `${id}-plain`, triggers: [`${id}.go`], key: (e) => `k:${e.data.n}`, retries: 2 }, async () => null)
    const skipped = defineWorkflow({ id: `${id}-skipped`, triggers: [`${id}.go`], when: () => false }, async () => null)
    const all = [pending, keyed, plain, skipped]
    await dispatch(sql, all, ev(`${id}.later`))
    await sql`insert into billing.workflow_events (name, key, data, deliver_at, cancel_keys)
      values (${`${id}.later`}, ${`${id}:scheduled`}, '{}', now() + interval '1 day', array[${key}]::text[])`

    const [r, n] = await counted(() => dispatch(sql, all, ev(`${id}.go`, { n: 1 })))
    expect(n).toBe(1)
    expect(r.cancelledRuns).toBe(1)
    expect(r.cancelledEvents).toBe(1)
    expect(r.started.map((s) => s.workflowId)).toEqual([keyed.id, plain.id])
    const runs = await sql<{ id: string; workflow_id: string; status: string; cancel_key: string | null; max_attempts: number; event_name: string; last_error: string | null }[]>`
      select id, workflow_id, status, cancel_key, max_attempts, event_name, last_error from billing.workflow_runs where workflow_id like ${`${id}-%`} order by workflow_id`
    expect(runs.map((x) => [x.workflow_id, x.status, x.cancel_key, x.max_attempts, x.event_name])).toEqual([
      [keyed.id, 'queued', `other:${id}`, 4, `${id}.go`],
      [pending.id, 'cancelled', key, 4, `${id}.later`],
      [plain.id, 'queued', null, 2, `${id}.go`],
    ])
    expect(runs.find((x) => x.workflow_id === pending.id)!.last_error).toMatch(new RegExp(`^cancelled by ${id}\\.go evt_`))
    expect(r.started).toEqual(runs.filter((x) => x.status === 'queued').map((x) => ({ workflowId: x.workflow_id, runId: x.id })))
    const [scheduled] = await sql`select cancelled_at from billing.workflow_events where key = ${`${id}:scheduled`}`
    expect(scheduled.cancelled_at).not.toBeNull()

    // The same trigger keys again start nothing new, and nothing is left to cancel: still one statement.
    const [again, m] = await counted(() => dispatch(sql, all, ev(`${id}.go`, { n: 1 })))
    expect(m).toBe(1)
    expect(again).toMatchObject({ started: [], cancelledRuns: 0, cancelledEvents: 0 })
  })

  test('an event that no workflow starts or cancels on costs no statement', async () => {
    const id = uniq('wf')
    const wf = defineWorkflow({ id, triggers: [`${id}.start`] }, async () => null)
    const [r, n] = await counted(() => dispatch(sql, [wf], ev(`${id}.unrelated`)))
    expect(n).toBe(0)
    expect(r.started).toEqual([])
  })
})
