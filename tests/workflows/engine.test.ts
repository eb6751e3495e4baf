// The workflow engine on the real database: memoized steps, durable sleeps, scheduled events,
// retries, cancellation by key, one run per trigger key. Each test uses workflows and event names of
// its own, so tests and the product's own runs never claim each other's work.
import { afterAll, describe, expect, test } from 'vitest'
import { NonRetriableError } from '../../supabase/functions/_shared/errors.ts'
import { defineWorkflow, type WorkflowEvent } from '../../supabase/functions/_shared/workflows/define.ts'
import { dispatch } from '../../supabase/functions/_shared/workflows/dispatch.ts'
import { toMs } from '../../supabase/functions/_shared/workflows/duration.ts'
import { runDue } from '../../supabase/functions/_shared/workflows/runner.ts'
import { toWorkflowEvent } from '../../supabase/functions/_shared/pipeline/synced-events.ts'
import { paymentMetrics } from '../../supabase/functions/_shared/workflows/billing/payment-metrics.ts'
import { keyOf } from '../../supabase/functions/_shared/workflows/keys.ts'
import { adminSql, uniq } from '../helpers/stack.ts'

const sql = adminSql()
afterAll(() => sql.end())

const DAY = 86_400_000
const later = (ms: number) => new Date(Date.now() + ms)
const ev = (name: string, data: Record<string, unknown> = {}, id = uniq('evt')): WorkflowEvent => ({ name, id, data, ts: Date.now() })
const runOf = async (workflowId: string) =>
  (await sql`select id, status, attempts, failed_step, last_error, wake_at, result from billing.workflow_runs where workflow_id = ${workflowId}`)[0]

describe('workflow engine', () => {
  test('a retried run reuses finished steps and runs only the failed one again', async () => {
    const id = uniq('wf')
    const calls = { a: 0, b: 0 }
    const wf = defineWorkflow({ id, triggers: [id] }, async ({ step }) => {
      const a = await step.run('a', async () => ++calls.a)
      return await step.run('b', async () => {
        if (++calls.b === 1) throw new Error('flaky')
        return a * 10
      })
    })
    await dispatch(sql, [wf], ev(id))
    const first = await runDue(sql, [wf])
    expect(first.retried).toHaveLength(1)
    expect((await runOf(id)).status).toBe('queued')
    await runDue(sql, [wf], { asOf: later(60_000) })
    expect(calls).toEqual({ a: 1, b: 2 })
    expect(await runOf(id)).toMatchObject({ status: 'completed', result: 10 })
  })

  test('a step whose worker died before storing its result runs again and its idempotent effect happens once', async () => {
    const id = uniq('wf')
    await sql`create schema if not exists stack_test`
    await sql`create table if not exists stack_test.effects (key text primary key, at timestamptz default now())`
    let dieAfterEffect = true
    const wf = defineWorkflow({ id, triggers: [id] }, async ({ step }) => {
      await step.run('send', async () => {
        await sql`insert into stack_test.effects (key) values (${`${id}:send`}) on conflict do nothing`
        if (dieAfterEffect) {
          dieAfterEffect = false
          throw new Error('worker killed')
        }
        return 'sent'
      })
    })
    await dispatch(sql, [wf], ev(id))
    await runDue(sql, [wf])
    await runDue(sql, [wf], { asOf: later(60_000) })
    const [{ n }] = await sql`select count(*)::int as n from stack_test.effects where key = ${`${id}:send`}`
    expect(n).toBe(1)
    expect((await runOf(id)).status).toBe('completed')
    await sql`delete from stack_test.effects where key = ${`${id}:send`}`
  })

  test('a run abandoned by a dead worker is picked up again once its lease expires', async () => {
    const id = uniq('wf')
    let runs = 0
    const wf = defineWorkflow({ id, triggers: [id] }, async () => ++runs)
    await dispatch(sql, [wf], ev(id))
    await sql`update billing.workflow_runs set status = 'running', lease_until = now() + interval '5 minutes' where workflow_id = ${id}`
    await runDue(sql, [wf])
    expect(runs).toBe(0)
    await sql`update billing.workflow_runs set lease_until = now() - interval '1 second' where workflow_id = ${id}`
    await runDue(sql, [wf])
    expect(runs).toBe(1)
    expect((await runOf(id)).status).toBe('completed')
  })

  test('a run sleeps for three days and resumes only when that time has come', async () => {
    const id = uniq('wf')
    const calls = { before: 0, after: 0 }
    const wf = defineWorkflow({ id, triggers: [id] }, async ({ step }) => {
      await step.run('before', async () => ++calls.before)
      await step.sleep('wait', '3d')
      await step.run('after', async () => ++calls.after)
    })
    await dispatch(sql, [wf], ev(id))
    await runDue(sql, [wf])
    const sleeping = await runOf(id)
    expect(sleeping.status).toBe('sleeping')
    expect(Math.abs(sleeping.wake_at.getTime() - (Date.now() + 3 * DAY))).toBeLessThan(60_000)
    await runDue(sql, [wf], { asOf: later(2 * DAY) })
    expect(calls).toEqual({ before: 1, after: 0 })
    await runDue(sql, [wf], { asOf: later(3 * DAY + 60_000) })
    expect(calls).toEqual({ before: 1, after: 1 })
    expect((await runOf(id)).status).toBe('completed')
  })

  test('an event sent for a later time starts its workflow only at that time', async () => {
    const sender = uniq('wf')
    const name = uniq('ev')
    const received: unknown[] = []
    const a = defineWorkflow({ id: sender, triggers: [sender] }, async ({ step }) => {
      await step.sendEvent('remind', { name, data: { who: 'org_1' }, ts: later(7 * DAY) })
    })
    const b = defineWorkflow({ id: uniq('wf'), triggers: [name] }, async ({ event }) => void received.push(event.data))
    await dispatch(sql, [a, b], ev(sender))
    await runDue(sql, [a, b])
    expect(received).toEqual([])
    await runDue(sql, [a, b], { asOf: later(7 * DAY + 60_000) })
    expect(received).toEqual([{ who: 'org_1' }])
  })

  test('the same event dispatched three times starts one run', async () => {
    const id = uniq('wf')
    const wf = defineWorkflow({ id, triggers: [id] }, async () => 'ok')
    const e = ev(id)
    for (let i = 0; i < 3; i++) await dispatch(sql, [wf], e)
    const [{ n }] = await sql`select count(*)::int as n from billing.workflow_runs where workflow_id = ${id}`
    expect(n).toBe(1)
  })

  test('two events with the same trigger key (invoice.paid and invoice.payment_succeeded) start one run', async () => {
    const id = uniq('wf')
    const wf = defineWorkflow({ id, triggers: [`${id}.paid`, `${id}.payment_succeeded`], key: (e) => `invoice:${e.data.invoice}` }, async () => 'ok')
    await dispatch(sql, [wf], ev(`${id}.paid`, { invoice: 'in_1' }))
    const second = await dispatch(sql, [wf], ev(`${id}.payment_succeeded`, { invoice: 'in_1' }))
    expect(second.started).toEqual([])
  })

  test('a trigger its `when` turns down starts no run, and leaves the key free for one that qualifies', async () => {
    const id = uniq('wf')
    const wf = defineWorkflow({ id, triggers: [id], when: (e) => e.data.status === 'active', key: (e) => `sub:${e.data.sub}` }, async () => 'ok')
    const turnedDown = await dispatch(sql, [wf], ev(id, { sub: 'sub_1', status: 'incomplete' }))
    expect(turnedDown.started).toEqual([])
    expect(await runOf(id)).toBeUndefined()
    const started = await dispatch(sql, [wf], ev(id, { sub: 'sub_1', status: 'active' }))
    expect(started.started).toHaveLength(1)
  })

  test('a cancelling event cancels the pending run with its key and the run never resumes', async () => {
    const id = uniq('wf')
    let reminded = 0
    const wf = defineWorkflow(
      {
        id,
        triggers: [`${id}.failed`],
        cancelKey: (e) => `sub:${e.data.sub}`,
        cancelOn: [{ event: `${id}.paid`, key: (e) => `sub:${e.data.sub}` }],
      },
      async ({ step }) => {
        await step.sleep('wait', '3d')
        await step.run('remind', async () => ++reminded)
      },
    )
    await dispatch(sql, [wf], ev(`${id}.failed`, { sub: 'sub_1' }))
    await runDue(sql, [wf])
    const r = await dispatch(sql, [wf], ev(`${id}.paid`, { sub: 'sub_1' }))
    expect(r.cancelledRuns).toBe(1)
    await runDue(sql, [wf], { asOf: later(4 * DAY) })
    expect(reminded).toBe(0)
    expect((await runOf(id)).status).toBe('cancelled')
  })

  test('a scheduled event is cancelled before delivery by an event that cancels the workflow it would start', async () => {
    const id = uniq('wf')
    let deleted = 0
    const scheduler = defineWorkflow({ id: `${id}-s`, triggers: [`${id}.cancelled`] }, async ({ step, event }) => {
      await step.sendEvent('schedule', { name: `${id}.delete`, data: { customer: event.data.customer }, ts: later(30 * DAY) })
    })
    const deleter = defineWorkflow(
      {
        id: `${id}-d`,
        triggers: [`${id}.delete`],
        cancelKey: (e) => `customer:${e.data.customer}`,
        cancelOn: [{ event: `${id}.resubscribed`, key: (e) => `customer:${e.data.customer}` }],
      },
      async () => ++deleted,
    )
    const all = [scheduler, deleter]
    await dispatch(sql, all, ev(`${id}.cancelled`, { customer: 'cus_1' }))
    await runDue(sql, all)
    const r = await dispatch(sql, all, ev(`${id}.resubscribed`, { customer: 'cus_1' }))
    expect(r.cancelledEvents).toBe(1)
    await runDue(sql, all, { asOf: later(31 * DAY) })
    expect(deleted).toBe(0)
  })

  test('a NonRetriableError fails the run at once, keeping the error and the step', async () => {
    const id = uniq('wf')
    const wf = defineWorkflow({ id, triggers: [id] }, async ({ step }) => {
      await step.run('ok', async () => 1)
      await step.run('bad', async () => {
        throw new NonRetriableError('organization not found')
      })
    })
    await dispatch(sql, [wf], ev(id))
    const report = await runDue(sql, [wf])
    expect(report.failed).toHaveLength(1)
    expect(await runOf(id)).toMatchObject({ status: 'failed', attempts: 1, failed_step: 'bad', last_error: 'NonRetriableError: organization not found' })
  })

  test('a run that keeps failing fails after its retries, and ops.retry_workflow_run resumes it from the failed step', async () => {
    const id = uniq('wf')
    const calls = { first: 0, flaky: 0 }
    let healthy = false
    const wf = defineWorkflow({ id, triggers: [id], retries: 2 }, async ({ step }) => {
      await step.run('first', async () => ++calls.first)
      await step.run('flaky', async () => {
        calls.flaky++
        if (!healthy) throw new Error('smtp down')
        return 'done'
      })
    })
    await dispatch(sql, [wf], ev(id))
    await runDue(sql, [wf])
    await runDue(sql, [wf], { asOf: later(3_600_000) })
    expect(await runOf(id)).toMatchObject({ status: 'failed', attempts: 2, failed_step: 'flaky' })
    healthy = true
    await sql`select ops.retry_workflow_run(${(await runOf(id)).id}::uuid)`
    await runDue(sql, [wf])
    expect((await runOf(id)).status).toBe('completed')
    expect(calls).toEqual({ first: 1, flaky: 3 })
  })

  test('a synced event without a snapshot (a thin event, or one redacted by a GDPR deletion) reaches the workflows with an empty object', () => {
    const redacted = { id: 'evt_redacted', type: 'customer.updated', redacted: true }
    const e = toWorkflowEvent({ id: 'evt_redacted', type: 'customer.updated', created: new Date(0), customerId: 'cus_x', objectId: null, payload: redacted as never })
    expect(e).toEqual({ name: 'customer.updated', id: 'evt_redacted', ts: 0, data: { object: {}, previous_attributes: null, customerId: 'cus_x' } })
  })

  test('durations read as Inngest writes them', () => {
    expect(toMs('3d')).toBe(3 * DAY)
    expect(toMs('12h')).toBe(12 * 3_600_000)
    expect(toMs('500ms')).toBe(500)
    expect(() => toMs('soon')).toThrow(/invalid duration/)
  })
})


describe('trigger keys come from validated ids only', () => {
  const charge = (object: Record<string, unknown>) => ({ name: 'charge.succeeded', id: uniq('evt'), data: { object, previous_attributes: null, customerId: null }, ts: Date.now() })

  test('a charge without its `object` field starts payment-metrics under charge:<id>, not undefined:<id>', async () => {
    const id = `ch_${uniq('noobj')}`
    const result = await dispatch(sql, [paymentMetrics], charge({ id, amount: 0, currency: 'usd' }))
    expect(result.started).toHaveLength(1)
    const [run] = await sql`select trigger_key, status from billing.workflow_runs where id = ${result.started[0].runId}`
    expect(run.trigger_key).toBe(`charge:${id}`)
  })

  test('an event without a valid id for the key starts no run and says why in ops.workflow_failures', async () => {
    for (const bad of [{ object: 'charge', amount: 100 }, { object: 'charge', id: { nested: true } }, { object: 'charge', id: 'ch with spaces' }]) {
      const e = charge(bad)
      const result = await dispatch(sql, [paymentMetrics], e)
      expect(result.started).toEqual([])
      expect(result.unstartable).toEqual([{ workflowId: 'payment-metrics', reason: expect.stringMatching(/^not started: charge\.succeeded .* lacks a valid id/) }])
      const rows = await sql`select trigger_key, failed_step, last_error from ops.workflow_failures where workflow_id = 'payment-metrics' and trigger_key = ${`unstartable:${e.id}`}`
      expect(rows).toEqual([{ trigger_key: `unstartable:${e.id}`, failed_step: 'start', last_error: result.unstartable[0].reason }])
      expect(await sql`select 1 from billing.workflow_runs where workflow_id = 'payment-metrics' and trigger_key like 'charge:%' and event ->> 'id' = ${e.id}`).toEqual([])
    }
  })

  test('a key function that throws on a malformed payload leaves the same explained failure, once per event', async () => {
    const id = uniq('wf')
    const wf = defineWorkflow({ id, triggers: [id], key: (e) => `x:${(e.data.object as { id: { toString(): string } }).id.toString()}` }, async () => 'ok')
    const e = ev(id, { object: {} })
    await dispatch(sql, [wf], e)
    await dispatch(sql, [wf], e)
    const rows = await sql`select status, last_error from billing.workflow_runs where workflow_id = ${id}`
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ status: 'failed', last_error: expect.stringMatching(/could not be read from .*TypeError|could not be read from .*Cannot read/) })
  })

  test('key parts are ids or integers: undefined, null, NaN, objects and text with spaces make no key', () => {
    expect(keyOf('trial', 'sub_1', 1700000000)).toBe('trial:sub_1:1700000000')
    expect(keyOf('price', 'gold-monthly.v2')).toBe('price:gold-monthly.v2')
    for (const bad of [undefined, null, Number.NaN, 1.5, '', 'a b', {}, 'x'.repeat(256), '\u0000']) expect(keyOf('k', bad)).toBeNull()
  })

  test('previous_attributes reaches the workflows only when it is an object', () => {
    const base = { id: 'evt_p', type: 'customer.updated', created: new Date(0), customerId: 'cus_x', objectId: 'cus_x' }
    const of = (previous: unknown) => toWorkflowEvent({ ...base, payload: { data: { object: { id: 'cus_x' }, previous_attributes: previous } } as never }).data.previous_attributes
    expect(of({ email: 'old@example.test' })).toEqual({ email: 'old@example.test' })
    expect([of(null), of('text'), of([1])]).toEqual([null, null, null])
  })
})
