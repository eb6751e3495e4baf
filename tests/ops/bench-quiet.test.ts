// What the bench waits for between phases (dev/bench/quiet.ts): the previous phase's workflow runs and
// emails count while running, sending or due now, not while due later. In a rolled-back repeatable-read
// transaction (its now() and snapshot fixed: the stack's worker and other files change rows meanwhile), as
// differences from what it saw before the inserts.
import type postgres from 'postgres'
import { afterAll, describe, expect, it } from 'vitest'
import { busy } from '../../dev/bench/quiet.ts'
import { adminSql, uniq } from '../helpers/stack.ts'

const sql = adminSql()
afterAll(() => sql.end())

class Rollback extends Error {}
async function inRolledBack<T>(fn: (tx: postgres.TransactionSql) => Promise<T>): Promise<T> {
  let out: T | undefined
  await sql.begin('isolation level repeatable read', async (tx) => {
    out = await fn(tx)
    throw new Rollback()
  }).catch((e) => { if (!(e instanceof Rollback)) throw e })
  return out as T
}

describe('bench quiet', () => {
  it('counts workflow runs running or due now, scheduled events due now, emails sending or due now; not work due later or done', async () => {
    const [before, after] = await inRolledBack(async (tx) => {
      const before = await busy(tx)
      const k = uniq('quiet')
      const run = (n: string, status: string, wake: string, lease: string | null = null) =>
        tx`insert into billing.workflow_runs (workflow_id, trigger_key, event_name, event, status, wake_at, lease_until)
          values ('invoice-paid', ${`${k}_${n}`}, 'invoice.paid', '{}', ${status}, now() + ${wake}::interval, now() + ${lease}::interval)`
      await run('running', 'running', '-1 minute', '2 minutes') // counted
      await run('due', 'queued', '0 seconds') // counted
      await run('woken', 'sleeping', '-1 second') // counted
      await run('retry-later', 'queued', '30 seconds')
      await run('retry-later-2', 'queued', '10 seconds')
      await run('sleep-later', 'sleeping', '3 days')
      await run('done', 'completed', '-1 minute')
      const event = (n: string, at: string, delivered: boolean) =>
        tx`insert into billing.workflow_events (name, key, deliver_at, delivered_at) values ('billing/x', ${`${k}_${n}`}, now() + ${at}::interval, ${delivered ? tx`now()` : null})`
      await event('due', '0 seconds', false) // counted
      await event('later', '1 hour', false)
      await event('delivered', '-1 minute', true)
      const email = (n: string, status: string, at: string, lease: string | null = null) =>
        tx`insert into billing.email_outbox (idempotency_key, email_type, to_email, status, next_attempt_at, lease_until)
          values (${`${k}_${n}`}, 'receipt', 'a@example.test', ${status}, now() + ${at}::interval, now() + ${lease}::interval)`
      await email('sending', 'sending', '-1 minute', '2 minutes') // counted
      await email('due', 'pending', '0 seconds') // counted
      await email('backoff', 'pending', '5 minutes')
      await email('backoff-2', 'pending', '1 minute')
      await email('sent', 'sent', '-1 minute')
      return [before, await busy(tx)]
    })
    expect({ workflows: after.workflows - before.workflows, emails: after.emails - before.emails }).toEqual({ workflows: 4, emails: 2 })
  })
})
