// A bench phase starts from a quiet stack: the previous phase's work finished by the stack's own worker
// (never run from the bench process, which would move its CPU out of the functions host's count). Quiet
// means every inbox event processed (or dead), the product's queue empty, no workflow run running or
// due now, no scheduled workflow event due, and no email sending or due now (compare settle() in
// tests/helpers/billing.ts, which runs that work itself). Work due later (a sleep, a retry's backoff)
// does not count: it belongs to no phase.
import type postgres from 'postgres'

export interface Busy {
  /** Inbox events neither processed nor dead. */
  events: number
  /** Messages on the product's queue. */
  queued: number
  /** Workflow runs running, or queued/sleeping and due now; scheduled workflow events due now. */
  workflows: number
  /** Emails sending, or pending and due now. */
  emails: number
}

export async function busy(sql: postgres.Sql | postgres.TransactionSql): Promise<Busy> {
  const [r] = await sql<Busy[]>`select
    (select count(*)::int from billing.stripe_events where status not in ('processed', 'dead')) as events,
    (select queue_length::int from pgmq.metrics('stripe_events')) as queued,
    (select count(*)::int from billing.workflow_runs where status = 'running' or (status in ('queued', 'sleeping') and wake_at <= now()))
      + (select count(*)::int from billing.workflow_events where delivered_at is null and cancelled_at is null and deliver_at <= now()) as workflows,
    (select count(*)::int from billing.email_outbox where status = 'sending' or (status = 'pending' and next_attempt_at <= now())) as emails`
  return r
}

const idle = (b: Busy) => b.events + b.queued + b.workflows + b.emails === 0

/** Waits until the stack is quiet; returns how long that took (s). */
export async function quiet(sql: postgres.Sql, label: string, timeoutMs = 600_000): Promise<number> {
  const t0 = Date.now()
  for (;;) {
    const b = await busy(sql)
    if (idle(b)) return Number(((Date.now() - t0) / 1000).toFixed(1))
    if (Date.now() - t0 > timeoutMs) throw new Error(`${label}: the stack is still busy after ${timeoutMs / 1000} s: ${JSON.stringify(b)}`)
    await new Promise((res) => setTimeout(res, 250))
  }
}
