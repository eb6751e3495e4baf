// Each kind of timed work runs only from its own cron job: the drain's share (what events start) leaves
// due reminders and deletions alone, and a kind's job runs its scheduled events and sleeps and nothing
// else. A test kind of its own in billing.timed_work_kinds keeps these runs apart from the product's.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { handleSyncRequest, type SyncDeps } from '../../supabase/functions/_shared/pipeline/handler.ts'
import { defineWorkflow, type Workflow, type WorkflowEvent } from '../../supabase/functions/_shared/workflows/define.ts'
import { dispatch } from '../../supabase/functions/_shared/workflows/dispatch.ts'
import { runDue } from '../../supabase/functions/_shared/workflows/runner.ts'
import type { WorkScope } from '../../supabase/functions/_shared/workflows/scope.ts'
import { adminSql, keys, uniq } from '../helpers/stack.ts'

const sql = adminSql()
const kind = uniq('kind').replace(/_/g, '-')
const scheduledName = uniq('timed/event')
const sleeper = uniq('wf-sleeper')
beforeAll(async () => {
  process.env.SUPABASE_SERVICE_ROLE_KEY = keys.serviceRole
  await sql`insert into billing.timed_work_kinds (kind, cron_job, action, event_names, sleeping_workflow_ids, description)
    values (${kind}, ${kind}, 'test action', ${[scheduledName]}, ${[sleeper]}, 'test kind')`
})
afterAll(async () => {
  await sql`delete from billing.timed_work_kinds where kind = ${kind}`
  await sql.end()
})

const ev = (name: string): WorkflowEvent => ({ name, id: uniq('evt'), data: {}, ts: Date.now() })
const status = async (workflowId: string) => (await sql`select status from billing.workflow_runs where workflow_id = ${workflowId}`).map((r) => r.status)
const runStatus = async (runId: string) => (await sql`select status from billing.workflow_runs where id = ${runId}`)[0].status

/** A sleeping run due now, a scheduled event due now, and a run an event just started. */
async function setUp() {
  const started = uniq('wf-now')
  const onEvent = uniq('wf-on-event')
  const workflows: Workflow[] = [
    defineWorkflow({ id: sleeper, triggers: [sleeper] }, async ({ step }) => {
      await step.sleep('wait', '1s')
      return 'woke'
    }),
    defineWorkflow({ id: onEvent, triggers: [scheduledName] }, async () => 'delivered'),
    defineWorkflow({ id: started, triggers: [started] }, async () => 'ran'),
  ]
  // The sleeper's workflow id is the test kind's: one run per test, told apart by run id.
  const sleeping = (await dispatch(sql, workflows, ev(sleeper))).started[0].runId
  await runDue(sql, workflows, { work: 'all' })
  await sql`update billing.workflow_runs set wake_at = now() - interval '1 second' where id = ${sleeping}`
  await sql`update billing.workflow_steps set result = jsonb_build_object('until', now() - interval '1 second') where run_id = ${sleeping}`
  const key = uniq('key')
  await sql`insert into billing.workflow_events (name, key, data, deliver_at) values (${scheduledName}, ${key}, '{}', now() - interval '1 second')`
  await dispatch(sql, workflows, ev(started))
  return { workflows, started, onEvent, key, sleeping }
}

describe('timed work', () => {
  test("the drain's share runs what an event started and leaves the timed kinds' due work to their jobs", async () => {
    const { workflows, started, onEvent, key, sleeping } = await setUp()
    expect(await runStatus(sleeping)).toBe('sleeping')
    const r = await runDue(sql, workflows, { work: 'immediate' })
    expect(r.completed).toHaveLength(1)
    expect(await status(started)).toEqual(['completed'])
    expect(await runStatus(sleeping)).toBe('sleeping')
    expect(await status(onEvent)).toEqual([])
    expect((await sql`select delivered_at from billing.workflow_events where key = ${key}`)[0].delivered_at).toBeNull()
    // Leave nothing of this test's kind for the next one.
    await sql`update billing.workflow_events set cancelled_at = now() where key = ${key}`
    await sql`update billing.workflow_runs set status = 'cancelled' where id = ${sleeping}`
  })

  test("a timed kind's job wakes its sleeps and delivers its events, and runs nothing else", async () => {
    const { workflows, started, onEvent, sleeping } = await setUp()
    const r = await runDue(sql, workflows, { work: kind as WorkScope })
    expect(r.delivered).toBe(1)
    expect(await runStatus(sleeping)).toBe('completed')
    expect(await status(onEvent)).toEqual(['completed'])
    expect(await status(started)).toEqual(['queued'])
  })

  test('a sleep moved earlier with ops.reschedule_scheduled_work is run by its job at the new time, and a cancelled event never', async () => {
    const onEvent = uniq('wf-on-event')
    const workflows: Workflow[] = [
      defineWorkflow({ id: sleeper, triggers: [sleeper] }, async ({ step }) => {
        await step.sleep('wait', '3d')
        return 'woke'
      }),
      defineWorkflow({ id: onEvent, triggers: [scheduledName] }, async () => 'delivered'),
    ]
    const runId = (await dispatch(sql, workflows, ev(sleeper))).started[0].runId
    await runDue(sql, workflows, { work: 'all' })
    const key = uniq('key')
    const [{ id: eventId }] = await sql`insert into billing.workflow_events (name, key, data, deliver_at)
      values (${scheduledName}, ${key}, '{}', now() - interval '1 second') returning id`
    await sql`select ops.cancel_scheduled_work(${eventId}, 'test: not wanted')`
    await runDue(sql, workflows, { work: kind as WorkScope })
    expect(await runStatus(runId)).toBe('sleeping')
    expect(await status(onEvent)).toEqual([])
    await sql`select ops.reschedule_scheduled_work(${runId}, now() - interval '1 second', 'test: remind now')`
    await runDue(sql, workflows, { work: kind as WorkScope })
    expect(await runStatus(runId)).toBe('completed')
    expect((await sql`select action from billing.audit_log where detail ->> 'item_id' in (${runId}, ${eventId}) order by id`).map((r) => r.action))
      .toEqual(['scheduled_work.cancelled', 'scheduled_work.rescheduled'])
  })

  test('stripe-sync takes the kind of timed work only with run-due, and answers with what it spent', async () => {
    const deps: SyncDeps = { sql, stripe: () => { throw new Error('no Stripe calls expected') }, syncer: () => async () => undefined, workflows: [] }
    const post = (body: unknown) => new Request('http://local/stripe-sync', { method: 'POST', body: JSON.stringify(body), headers: { authorization: `Bearer ${keys.serviceRole}` } })
    const ok = await handleSyncRequest(post({ mode: 'run-due', work: 'trial-reminders' }), deps)
    expect(ok.status).toBe(200)
    const body = await ok.json()
    expect(body).toMatchObject({ mode: 'run-due', work: 'trial-reminders', rekicked: false, usage: { clock: 'cpu' } })
    expect(body.usage.cpuMs).toBeGreaterThanOrEqual(0)
    const wrong = await handleSyncRequest(post({ work: 'trial-reminders' }), deps)
    expect(wrong.status).toBe(400)
    expect((await wrong.json()).error.message).toBe('invalid request: work work is only for mode run-due')
    expect((await handleSyncRequest(post({ mode: 'run-due', work: 'everything' }), deps)).status).toBe(400)
  })

  test('stripe-sync past its CPU budget stops and kicks a fresh invocation to carry on', async () => {
    const id = uniq('wf-burn')
    const burner = defineWorkflow({ id, triggers: [id] }, async () => {
      const cpu0 = process.cpuUsage()
      while ((process.cpuUsage(cpu0).user + process.cpuUsage(cpu0).system) / 1000 < 60) Math.sqrt(Math.random())
      return 'burnt'
    })
    for (let i = 0; i < 6; i++) await dispatch(sql, [burner], ev(id))
    const kicks: Record<string, unknown>[] = []
    const deps: SyncDeps = { sql, stripe: () => { throw new Error('no Stripe calls expected') }, syncer: () => async () => undefined, workflows: [burner], kick: (r) => void kicks.push(r) }
    process.env.SYNC_CPU_BUDGET_MS = '100'
    try {
      const res = await handleSyncRequest(new Request('http://local/stripe-sync', { method: 'POST', body: '{"mode":"run-due"}', headers: { authorization: `Bearer ${keys.serviceRole}` } }), deps)
      const body = await res.json()
      expect(body.workflows.stoppedBy).toBe('cpu')
      expect(body.workflows.completed.length).toBeLessThan(6)
      // What it did not reach is queued again, not left running under a lease.
      expect(await status(id)).toEqual(expect.arrayContaining(['queued']))
      expect((await status(id)).filter((s) => s === 'running')).toEqual([])
      expect(body.rekicked).toBe(true)
      expect(kicks).toEqual([{ trigger: 'self', mode: 'run-due' }])
    } finally {
      delete process.env.SYNC_CPU_BUDGET_MS
    }
  })

  test("stripe-sync's drain runs what events started and no timed work; past its CPU budget it kicks a fresh drain", async () => {
    const { workflows, started, onEvent, sleeping } = await setUp()
    const queue = uniq('timed_q')
    await sql`select pgmq.create(${queue})`
    try {
      for (let i = 0; i < 8; i++) await sql`select pgmq.send(${queue}, billing.sync_queue_message('ops.resync', ${`cus_timed_${i}`}, null), 0)`
      // 60 ms of CPU per group as the process counts it, against a 100 ms budget.
      const burn = async () => {
        const cpu0 = process.cpuUsage()
        while ((process.cpuUsage(cpu0).user + process.cpuUsage(cpu0).system) / 1000 < 60) Math.sqrt(Math.random())
      }
      const kicks: Record<string, unknown>[] = []
      const deps: SyncDeps = { sql, queue, stripe: () => { throw new Error('no Stripe calls expected') }, syncer: () => burn, workflows, kick: (r) => void kicks.push(r) }
      process.env.SYNC_CPU_BUDGET_MS = '100'
      let body: { sync: { stoppedBy: string; synced: unknown[] } }
      try {
        const res = await handleSyncRequest(new Request('http://local/stripe-sync', { method: 'POST', body: '{"mode":"drain"}', headers: { authorization: `Bearer ${keys.serviceRole}` } }), deps)
        body = await res.json()
      } finally {
        delete process.env.SYNC_CPU_BUDGET_MS
      }
      expect(body.sync.stoppedBy).toBe('cpu')
      expect(body.sync.synced.length).toBeLessThan(8)
      expect(kicks).toEqual([{ trigger: 'self' }])
      // A fresh budget: the drain's workflow share runs the started run, and leaves the timed kind's work.
      const again = await handleSyncRequest(new Request('http://local/stripe-sync', { method: 'POST', body: '{"mode":"drain"}', headers: { authorization: `Bearer ${keys.serviceRole}` } }), { ...deps, syncer: () => async () => undefined })
      expect(again.status).toBe(200)
      expect(await status(started)).toEqual(['completed'])
      expect(await runStatus(sleeping)).toBe('sleeping')
      expect(await status(onEvent)).toEqual([])
    } finally {
      await sql`select pgmq.drop_queue(${queue})`
      await sql`update billing.workflow_events set cancelled_at = now() where name = ${scheduledName} and delivered_at is null and cancelled_at is null`
      await sql`update billing.workflow_runs set status = 'cancelled' where id = ${sleeping}`
    }
  })

  test('a wrong budget setting is refused naming its variable', async () => {
    process.env.SYNC_CPU_BUDGET_MS = '5s'
    try {
      const { syncLimits } = await import('../../supabase/functions/_shared/sync/budget.ts')
      expect(() => syncLimits()).toThrow(/^wrong environment variable SYNC_CPU_BUDGET_MS: .* \(see \.env\.example\)$/)
    } finally {
      delete process.env.SYNC_CPU_BUDGET_MS
    }
  })
})
