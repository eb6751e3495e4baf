// stripe-sync's HTTP contract: service-role key only, POST only, validated options, a JSON report.
import { beforeAll, describe, expect, test, vi } from 'vitest'
import { DRAIN_EMAIL_SLICE_MS, handleSyncRequest, type SyncDeps } from '../../supabase/functions/_shared/pipeline/handler.ts'
import { defineWorkflow } from '../../supabase/functions/_shared/workflows/define.ts'
import { dispatch } from '../../supabase/functions/_shared/workflows/dispatch.ts'
import { runDue } from '../../supabase/functions/_shared/workflows/runner.ts'
import { adminSql, keys, uniq } from '../helpers/stack.ts'

const sql = adminSql()
beforeAll(() => {
  process.env.SUPABASE_SERVICE_ROLE_KEY = keys.serviceRole
  return () => sql.end()
})

function deps(): SyncDeps {
  return {
    sql,
    stripe: () => {
      throw new Error('no Stripe calls expected')
    },
    // The worker reads the shared queue; these tests use run-due, which does not touch it.
    syncer: () => async () => undefined,
    workflows: [],
  }
}

const post = (body: string, token?: string) =>
  new Request('http://local/stripe-sync', {
    method: 'POST',
    body,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  })

describe('stripe-sync requests', () => {
  test('a caller without the service-role key is refused with 401', async () => {
    expect((await handleSyncRequest(post('{}'), deps())).status).toBe(401)
    expect((await handleSyncRequest(post('{}', keys.anon), deps())).status).toBe(401)
  })

  test('GET is answered 405', async () => {
    const res = await handleSyncRequest(new Request('http://local/stripe-sync', { headers: { authorization: `Bearer ${keys.serviceRole}` } }), deps())
    expect(res.status).toBe(405)
  })

  test('a body that is not JSON, or an unknown option, is refused with 400 and a reason', async () => {
    const notJson = await handleSyncRequest(post('nope', keys.serviceRole), deps())
    expect(notJson.status).toBe(400)
    expect((await notJson.json()).error).toEqual({ code: 'bad_json', message: 'body must be JSON' })
    const unknown = await handleSyncRequest(post('{"mode":"everything"}', keys.serviceRole), deps())
    expect(unknown.status).toBe(400)
    expect((await unknown.json()).error.message).toMatch(/^invalid request: mode/)
  })

  test('run-due as of a later time runs the work due then, and answers with the workflow report', async () => {
    // A workflow of this test's own that sleeps a day: only a run-due a day ahead completes it.
    const id = uniq('wf')
    let finished = 0
    const wf = defineWorkflow({ id, triggers: [id] }, async ({ step }) => {
      await step.sleep('a-day', '1d')
      return ++finished
    })
    await dispatch(sql, [wf], { name: id, id: uniq('evt'), data: {}, ts: Date.now() })
    const first = await runDue(sql, [wf])
    const [run] = await sql`select id, status, wake_at from billing.workflow_runs where workflow_id = ${id}`
    expect(run.status).toBe('sleeping')
    expect(first.sleeping).toEqual([{ runId: run.id, until: run.wake_at.toISOString() }])
    const withWorkflow = { ...deps(), workflows: [wf] }
    const now = await (await handleSyncRequest(post(JSON.stringify({ mode: 'run-due' }), keys.serviceRole), withWorkflow)).json()
    expect(now.workflows).toMatchObject({ completed: [], failed: [] })
    const res = await handleSyncRequest(post(JSON.stringify({ mode: 'run-due', asOf: new Date(Date.now() + 86_400_000 + 60_000).toISOString() }), keys.serviceRole), withWorkflow)
    expect(res.status).toBe(200)
    const body = await res.json()
    expect(body).toMatchObject({ mode: 'run-due', workflows: { completed: [run.id], failed: [] } })
    expect(body.sync).toBeUndefined()
    expect(finished).toBe(1)
  })

  test('a drain whose sync stops at its budget kicks the next invocation before it runs the workflows and emails, once', async () => {
    const queue = uniq('q').replace(/[^a-z0-9_]/g, '_')
    await sql`select pgmq.create(${queue})`
    try {
      for (const c of ['cus_a', 'cus_b']) await sql`select pgmq.send(${queue}, billing.sync_queue_message('customer.updated', ${c}, ${c}, null), 0)`
      const kicks: Record<string, unknown>[] = []
      const kicksWhenEmailing: number[] = []
      const slow: SyncDeps = {
        ...deps(),
        queue,
        // One group takes past the 1 s budget: the other is left for the next invocation.
        syncer: () => async () => void (await new Promise((r) => setTimeout(r, 1100))),
        deliverEmails: async () => (kicksWhenEmailing.push(kicks.length), { stoppedBy: 'budget' }),
        kick: (request) => void kicks.push(request),
      }
      const body = JSON.stringify({ mode: 'drain', trigger: 'webhook', budgetMs: 1000, concurrency: 1, batchSize: 2 })
      const logged = vi.spyOn(console, 'log')
      const drain = await (await handleSyncRequest(post(body, keys.serviceRole), slow)).json()
      const usage = logged.mock.calls.map(([l]) => String(l)).find((l) => l.startsWith('stripe-sync usage '))
      logged.mockRestore()
      // The usage line says how much of the invocation's wall time the sync took.
      expect(JSON.parse(usage!.slice('stripe-sync usage '.length)).syncMs).toBeGreaterThanOrEqual(1000)
      expect(drain.sync.stoppedBy).toBe('budget')
      expect(drain.sync.synced).toHaveLength(1)
      expect(kicksWhenEmailing).toEqual([1])
      // The emails stopped on their budget too: still the one kick.
      expect(kicks).toEqual([{ trigger: 'self' }])
      expect(drain.rekicked).toBe(true)
      // The group left undone is visible again at once, for the invocation just kicked.
      const [{ visible }] = await sql.unsafe(`select count(*)::int as visible from pgmq.q_${queue} where vt <= now()`)
      expect(visible).toBe(1)
    } finally {
      await sql`select pgmq.drop_queue(${queue})`
    }
  })

  test('a drain sends emails for its slice only and kicks a fresh invocation for the rest; run-due keeps the whole budget', async () => {
    // A queue of the test's own, empty: the drain finds nothing and goes on to the emails.
    const queue = uniq('q').replace(/[^a-z0-9_]/g, '_')
    await sql`select pgmq.create(${queue})`
    try {
      const asked: { budgetMs?: number }[] = []
      const kicks: Record<string, unknown>[] = []
      const withEmails: SyncDeps = {
        ...deps(),
        queue,
        // Like deliverDueEmails with more due than the slice allows: it stops on its budget.
        deliverEmails: async (_sql, opts) => (asked.push({ budgetMs: opts.budgetMs }), { stoppedBy: 'budget' }),
        kick: (request) => void kicks.push(request),
      }
      const drain = await (await handleSyncRequest(post(JSON.stringify({ mode: 'drain', trigger: 'webhook' }), keys.serviceRole), withEmails)).json()
      expect(asked[0].budgetMs).toBe(DRAIN_EMAIL_SLICE_MS)
      expect(drain.rekicked).toBe(true)
      expect(kicks).toEqual([{ trigger: 'self' }])
      await handleSyncRequest(post(JSON.stringify({ mode: 'run-due', work: 'trial-reminders' }), keys.serviceRole), withEmails)
      expect(asked[1].budgetMs).toBeUndefined()
    } finally {
      await sql`select pgmq.drop_queue(${queue})`
    }
  })
  test('delivery is told when the workflow claim found no email due, and only then', async () => {
    const asked: (boolean | undefined)[] = []
    const spy: SyncDeps = { ...deps(), deliverEmails: async (_sql, opts) => (asked.push(opts.noneDue), { stoppedBy: 'empty' }) }
    const runDueAsOf = (asOf: Date) => handleSyncRequest(post(JSON.stringify({ mode: 'run-due', asOf: asOf.toISOString() }), keys.serviceRole), spy)
    // Due in a day; no recipient, so a worker that claims it meanwhile only marks it skipped.
    const key = uniq('due-in-a-day')
    const inADay = new Date(Date.now() + 86_400_000)
    await sql`insert into billing.email_outbox (idempotency_key, email_type, status, next_attempt_at) values (${key}, 'receipt', 'pending', ${inADay})`
    try {
      expect((await runDueAsOf(new Date('2000-01-01T00:00:00Z'))).status).toBe(200)
      expect((await runDueAsOf(new Date(inADay.getTime() + 60_000))).status).toBe(200)
      expect(asked).toEqual([true, false])
    } finally {
      await sql`delete from billing.email_outbox where idempotency_key = ${key}`
    }
  })
})
