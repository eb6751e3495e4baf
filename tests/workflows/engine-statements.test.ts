// The engine's statements are a large share of the functions host's CPU per event (issue 15: each one is
// a socket write and a parse): dispatching an event (inside the sync's transaction, once per synced event)
// sends its cancels and starts as one statement; a claimed run comes with its finished steps; recording an
// email is one statement; a drain with no workflow work due is one statement. Each with the same effects
// as the statements it replaced.
import postgres from 'postgres'
import { afterAll, describe, expect, test } from 'vitest'
import { defineWorkflow, type WorkflowEvent } from '../../supabase/functions/_shared/workflows/define.ts'
import { dispatch, dispatchAll } from '../../supabase/functions/_shared/workflows/dispatch.ts'
import { dispatchSyncedEvents } from '../../supabase/functions/_shared/pipeline/synced-events.ts'
import { runDue } from '../../supabase/functions/_shared/workflows/runner.ts'
import { deliverDueEmails, enqueueEmail } from '../../supabase/functions/_shared/email/outbox.ts'
import { pooledSql } from '../helpers/pooler.ts'
import { stackProfile, uniq } from '../helpers/stack.ts'

let statements = 0
const texts: string[] = []
const parameters: unknown[][] = []
const sql = postgres(stackProfile.dbUrl, {
  max: 1,
  onnotice: () => {},
  debug: (_c, query, params) => {
    statements++
    texts.push(query)
    parameters.push(params)
  },
})
afterAll(() => sql.end())

// "Now" as the runner's asOf, a second ahead. A run is due when wake_at <= asOf; wake_at is Postgres's now(),
// in microseconds, while JS time is truncated to the millisecond (in asOf, and in the runner's elapsed time),
// so a new Date() taken in the dispatch's millisecond was before it: CI saw such a claim find nothing.
const justNow = () => new Date(Date.now() + 1000)
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

describe('dispatching a synced group of events', () => {
  // A customer's events as the sync hands them over: a failed payment, then its invoice paid (which
  // cancels the dunning the failure started), the same invoice's second paid-type event (the same run),
  // and a second failure; a workflow whose key the failures lack leaves an unstartable row for each.
  // The hand-off puts the Stripe object under data.object; dispatchAll's callers here pass it as data.
  const d = (e: WorkflowEvent) => (e.data.object ?? e.data) as { inv: string; sub: string }
  const workflows = (ns: string) => [
    defineWorkflow({
      id: `${ns}-dunning`,
      triggers: [`${ns}.failed`],
      key: (e) => `inv:${d(e).inv}`,
      cancelKey: (e) => `sub:${d(e).sub}`,
      cancelOn: [{ event: `${ns}.paid`, key: (e) => `sub:${d(e).sub}` }],
    }, async () => null),
    defineWorkflow({ id: `${ns}-receipt`, triggers: [`${ns}.paid`, `${ns}.succeeded`], key: (e) => `inv:${d(e).inv}` }, async () => null),
    defineWorkflow({ id: `${ns}-keyless`, triggers: [`${ns}.failed`], key: () => null }, async () => null),
  ]
  const group = (ns: string): WorkflowEvent[] =>
    ([['failed', 'in_1'], ['paid', 'in_1'], ['succeeded', 'in_1'], ['failed', 'in_2']] as const).map(([name, inv], i) => ({
      name: `${ns}.${name}`,
      id: `${ns}-evt${i}`,
      data: { inv, sub: 'sub_1' },
      ts: Date.now(),
    }))
  const scheduleUnderKey = (ns: string) =>
    sql`insert into billing.workflow_events (name, key, data, deliver_at, cancel_keys)
      values (${`${ns}.failed`}, ${`${ns}:scheduled`}, '{}', now() + interval '1 day', array['sub:sub_1']::text[])`
  const state = async (ns: string) => {
    const runs = await sql<{ workflow_id: string; trigger_key: string; status: string; event_name: string; cancel_key: string | null; max_attempts: number; failed_step: string | null; last_error: string | null; event: WorkflowEvent }[]>`
      select workflow_id, trigger_key, status, event_name, cancel_key, max_attempts, failed_step, last_error, event
      from billing.workflow_runs where workflow_id like ${`${ns}-%`} order by workflow_id, trigger_key`
    const [scheduled] = await sql`select cancelled_at is not null as cancelled from billing.workflow_events where key = ${`${ns}:scheduled`}`
    return JSON.parse(JSON.stringify({ runs, scheduled }).replaceAll(ns, 'NS').replace(/"ts":\d+/g, '"ts":0'))
  }

  test('in one statement, with the effects of dispatching each in turn', async () => {
    const [one, all] = [uniq('wf'), uniq('wf')]
    await scheduleUnderKey(one)
    await scheduleUnderKey(all)
    for (const e of group(one)) await dispatch(sql, workflows(one), e)
    const [r, n] = await counted(() => dispatchAll(sql, workflows(all), group(all)))
    expect(n).toBe(1)
    const expected = await state(one)
    expect(await state(all)).toEqual(expected)
    expect(expected.scheduled).toEqual({ cancelled: true })
    expect(expected.runs.map((x: { workflow_id: string; trigger_key: string; status: string }) => [x.workflow_id, x.trigger_key, x.status])).toEqual([
      ['NS-dunning', 'inv:in_1', 'cancelled'],
      ['NS-dunning', 'inv:in_2', 'queued'],
      ['NS-keyless', 'unstartable:NS-evt0', 'failed'],
      ['NS-keyless', 'unstartable:NS-evt3', 'failed'],
      ['NS-receipt', 'inv:in_1', 'queued'],
    ])
    expect(r).toMatchObject({ cancelledRuns: 1, cancelledEvents: 1 })
    expect(r.started.map((s) => s.workflowId)).toEqual([`${all}-receipt`, `${all}-dunning`])
    expect(r.unstartable.map((u) => u.workflowId)).toEqual([`${all}-keyless`, `${all}-keyless`])
  })

  test("the sync's hand-off sends a group's events in one statement", async () => {
    const ns = uniq('wf')
    const synced = (at: string) => group(at).map((e) => ({ id: e.id, type: e.name, created: new Date(), customerId: 'cus_1', objectId: null, payload: { data: { object: e.data } } }))
    // A prepared statement's first use on a connection asks Postgres for its parameter types first (one
    // round trip more, once per connection): the count is taken once this file's connection knows it,
    // whichever test ran first (vitest may shuffle them).
    const warm = uniq('wf')
    await sql.begin((tx) => dispatchSyncedEvents(workflows(warm))(tx, synced(warm) as never))
    const [, n] = await counted(() => sql.begin((tx) => dispatchSyncedEvents(workflows(ns))(tx, synced(ns) as never)))
    expect(n).toBe(3) // begin, the dispatch, commit
    expect((await state(ns)).runs).toHaveLength(5)
  })
})

describe('running a claimed run', () => {
  test('its finished steps come with the claim, and recording its email is one statement', async () => {
    const id = uniq('wf')
    const key = `${id}:email`
    let failOnce = true
    const wf = defineWorkflow({ id, triggers: [id] }, async ({ step, run }) => {
      const first = await step.run('first', async () => ({ n: 1 }))
      const email = await step.run('email', async () => {
        const before = statements
        const row = await enqueueEmail(sql, { type: 'payment_reminder', to: null, idempotencyKey: key, runId: run.id, props: {} })
        expect(statements - before).toBe(1)
        if (failOnce) {
          failOnce = false
          throw new Error('flaky')
        }
        return row
      })
      return { first, email }
    })
    await dispatch(sql, [wf], ev(id))
    const from = texts.length
    expect((await runDue(sql, [wf])).retried).toHaveLength(1)
    // The retry reuses step "first" from the claim's own read, and the email recorded before finds its row.
    const report = await runDue(sql, [wf], { asOf: new Date(Date.now() + 60_000) })
    expect(report.completed).toHaveLength(1)
    expect(texts.slice(from).filter((q) => /from billing\.workflow_steps where run_id/.test(q) && !/update billing\.workflow_runs/.test(q))).toEqual([])
    const [run] = await sql<{ result: { first: { n: number }; email: { id: string; status: string } } }[]>`
      select result from billing.workflow_runs where workflow_id = ${id}`
    const [email] = await sql`select id, status from billing.email_outbox where idempotency_key = ${key}`
    expect(run.result).toEqual({ first: { n: 1 }, email: { id: email.id, status: 'skipped' } })
    const [{ n }] = await sql`select count(*)::int as n from billing.workflow_steps s join billing.workflow_runs r on r.id = s.run_id where r.workflow_id = ${id}`
    expect(n).toBe(2)
  })
})

describe('claiming a run', () => {
  test('its event comes as json text, as it was dispatched (no jsonb document rebuilt from it)', async () => {
    const id = uniq('wf')
    let got: WorkflowEvent | null = null
    const wf = defineWorkflow({ id, triggers: [id] }, async ({ event }) => {
      got = event
      return null
    })
    const sent = ev(id, { object: { id: 'in_1', amount: 1999, ratio: 0.25, name: 'Zo\u00eb "q" \\ \n', lines: [{ a: null }, true] } })
    await dispatch(sql, [wf], sent)
    const from = texts.length
    expect((await runDue(sql, [wf], { asOf: justNow() })).completed).toHaveLength(1)
    expect(got).toEqual(sent)
    const i = texts.findIndex((q, k) => k >= from && /prev_status/.test(q))
    // Described, not run: json (114), where jsonb (3802) took every run's event apart and printed it again.
    const { columns } = await sql.unsafe(texts[i], parameters[i] as postgres.ParameterOrJSON<never>[]).describe()
    expect(columns.find((c) => c.name === 'runs')?.type).toBe(114)
  })
})

describe('a drain with no workflow work due', () => {
  test('costs one statement: the claim, which also says whether scheduled events are due', async () => {
    const id = uniq('wf')
    const wf = defineWorkflow({ id, triggers: [id] }, async () => 'ran')
    // The first call reads the timed kinds (then kept a minute). asOf: the product's clock is not asked.
    await runDue(sql, [wf], { work: 'immediate', asOf: justNow() })
    const [idle, n] = await counted(() => runDue(sql, [wf], { work: 'immediate', asOf: justNow() }))
    expect(n).toBe(1)
    expect(idle).toMatchObject({ delivered: 0, completed: [], stoppedBy: 'done' })
    // A scheduled event due now is delivered by the same call, and the run it starts is run by it too.
    await sql`insert into billing.workflow_events (name, key, data, deliver_at) values (${id}, ${uniq('key')}, '{}', now() - interval '1 second')`
    const due = await runDue(sql, [wf], { work: 'immediate', asOf: justNow() })
    expect(due.delivered).toBe(1)
    expect(due.completed).toHaveLength(1)
  })
})

describe('a drain with no email due', () => {
  test('learns it from the workflow claim, and its delivery then costs no statement', async () => {
    const id = uniq('wf')
    const wf = defineWorkflow({ id, triggers: [id] }, async () => 'ran')
    // Due in a day; no recipient, so a worker that claims it meanwhile only marks it skipped.
    const key = uniq('due-in-a-day')
    const inADay = new Date(Date.now() + 86_400_000)
    await sql`insert into billing.email_outbox (idempotency_key, email_type, status, next_attempt_at) values (${key}, 'receipt', 'pending', ${inADay})`
    try {
      await runDue(sql, [wf], { work: 'immediate', asOf: justNow() })
      // Long before any email was due: none, and the claim that says so is still the only statement.
      const [before, n] = await counted(() => runDue(sql, [wf], { work: 'immediate', asOf: new Date('2000-01-01T00:00:00Z') }))
      expect(n).toBe(1)
      expect(before.emailsDue).toBe(false)
      const after = await runDue(sql, [wf], { work: 'immediate', asOf: new Date(inADay.getTime() + 60_000) })
      expect(after.emailsDue).toBe(true)
      // A call that stopped before claiming (its budget spent) knows nothing: the drain's delivery looks itself.
      const spent = await runDue(sql, [wf], { work: 'immediate', asOf: justNow(), budget: { spent: () => 'cpu' } })
      expect(spent.emailsDue).toBeUndefined()
      const [skipped, m] = await counted(() => deliverDueEmails(sql, { now: new Date(inADay.getTime() + 60_000), noneDue: true }))
      expect(m).toBe(0)
      expect(skipped).toEqual({ sent: [], retrying: [], failed: [], stoppedBy: 'empty' })
    } finally {
      await sql`delete from billing.email_outbox where idempotency_key = ${key}`
    }
  })

  test('a run that queues an email is followed by a claim that finds it due', async () => {
    const id = uniq('wf')
    const key = uniq('queued-by-run')
    // Due in a day, as of which the runner runs: only this test's calls see it due.
    const inADay = new Date(Date.now() + 86_400_000)
    const wf = defineWorkflow({ id, triggers: [id] }, async ({ sql: tx }) => {
      await tx`insert into billing.email_outbox (idempotency_key, email_type, status, next_attempt_at) values (${key}, 'receipt', 'pending', ${inADay})`
      return 'queued'
    })
    try {
      await dispatch(sql, [wf], ev(id))
      const report = await runDue(sql, [wf], { asOf: new Date(inADay.getTime() + 60_000) })
      expect(report.completed).toHaveLength(1)
      expect(report.emailsDue).toBe(true)
    } finally {
      await sql`delete from billing.email_outbox where idempotency_key = ${key}`
    }
  })
})

describe('behind a transaction-mode pooler (nothing prepared)', () => {
  test("a run's step results and its completion go without parameters, each one round trip, and read back the same", async () => {
    const { sql: pooled, seen, end } = await pooledSql()
    try {
      const id = uniq('wf')
      const awkward = { text: "it's \\ \"quoted\" $1 🧾", list: [1, null, 'x'] }
      const wf = defineWorkflow({ id, triggers: [id] }, async ({ step }) => ({ first: await step.run('first', async () => awkward) }))
      await dispatch(pooled, [wf], ev(id))
      const from = seen.length
      expect((await runDue(pooled, [wf], { work: 'immediate', asOf: justNow() })).completed).toHaveLength(1)
      const writes = seen.slice(from).filter((q) => /insert into billing\.workflow_steps|set status = 'completed'/.test(q.query))
      expect(writes.map((q) => q.params)).toEqual([[], []])
      const [run] = await sql`select r.result, s.result as step from billing.workflow_runs r join billing.workflow_steps s on s.run_id = r.id where r.workflow_id = ${id}`
      expect(run).toEqual({ result: { first: awkward }, step: awkward })
    } finally {
      await end()
    }
  })
})
