// The doctor's dead-letter check. A dead letter is an event the sync gave up on: it fails the check until
// an operator handles it, by replaying it once the cause is fixed (it then leaves ops.dead_letters) or by
// dismissing one that needs no replay (ops.dismiss_dead_letter: handled_at set, the reason audited).
// Handled ones are reported, never failed, so one old decision cannot keep the doctor red forever.
import type postgres from 'postgres'
import { fail, pass, type CheckResult } from './checklist.ts'

type Sql = postgres.Sql | postgres.TransactionSql

const short = (s: string | null) => (s ?? '').replace(/\s+/g, ' ').slice(0, 120)

/** "3 min", "5 h", "12 days": how long ago, coarsely. */
function age(seconds: number): string {
  if (seconds < 3600) return `${Math.max(0, Math.round(seconds / 60))} min`
  if (seconds < 2 * 86_400) return `${Math.round(seconds / 3600)} h`
  return `${Math.round(seconds / 86_400)} days`
}

const DEAD_LETTER_FIX = [
  'inspect: select * from ops.dead_letters where handled_at is null order by dead_at;',
  "fix the cause, then replay them: select ops.retry_dead_letters();  (one: select ops.replay_event('<event id>');)",
  "or, for one that needs no replay (its customer resynced since, nothing owed): select ops.dismiss_dead_letter('<event id>', '<why>');",
].join('\n')

export async function checkDeadLetters(sql: Sql): Promise<CheckResult> {
  // Superseded: the letter's customer was fetched from Stripe after it died, so the mirror is current
  // (an event is only a signal); what may still be owed is a workflow's email, which only a replay sends.
  const [totals] = await sql<{ open: number; handled: number; superseded: number; oldest_s: number | null; last_handled: Date | null }[]>`
    select count(*) filter (where d.handled_at is null)::int as open, count(*) filter (where d.handled_at is not null)::int as handled,
      count(*) filter (where d.handled_at is null and c.stripe_fetched_at > coalesce(d.dead_at, d.received_at))::int as superseded,
      extract(epoch from now() - min(coalesce(d.dead_at, d.received_at)) filter (where d.handled_at is null))::float8 as oldest_s,
      max(d.handled_at) as last_handled
    from ops.dead_letters d left join public.stripe_customers c on c.id = d.customer_id`
  const handled = totals.handled > 0 ? `${totals.handled} dismissed by an operator (the latest ${totals.last_handled!.toISOString()})` : ''
  if (totals.open === 0) return pass('dead letters', ['none unhandled', handled].filter(Boolean).join('; '))
  const oldest = await sql<{ event_id: string; type: string; dead_s: number; last_error: string | null }[]>`
    select event_id, type, extract(epoch from now() - coalesce(dead_at, received_at))::float8 as dead_s, last_error
    from ops.dead_letters where handled_at is null order by coalesce(dead_at, received_at), event_id limit 3`
  const listed = oldest.map((d) => `${d.event_id} (${d.type}, dead ${age(d.dead_s)}): ${short(d.last_error)}`).join('; ')
  const superseded = totals.superseded > 0
    ? `; ${totals.superseded} of them superseded (their customer was synced since: the mirror is current, a replay would only send what a workflow still owes)`
    : ''
  const detail = `${totals.open} unhandled, the oldest dead for ${age(totals.oldest_s ?? 0)}: ${listed}${superseded}${handled ? `; also ${handled}` : ''}`
  return fail('dead letters', detail, DEAD_LETTER_FIX)
}
