// Draining the outbox at the transport's real limit (transportLimits): rounds of claimed emails until
// none is due or the time budget is spent, Resend's batches of up to 100 paced to its rate limit, SMTP
// messages several at a time over pooled connections.
//
// Exactly once: every email is leased while it is sent. A Resend batch is written down (batch_key on
// its rows) before it is sent, and a batch whose answer was lost is sent again with the same members
// under the same Idempotency-Key, so Resend delivers it once; a single email uses its own key.
import type postgres from 'postgres'
import { dueBound, productNow } from '../clock.ts'
import { NonRetriableError, RetryAfterError } from '../errors.ts'
import { type RenderedEmail, renderEmail } from './render.ts'
import type { EmailType } from './templates.ts'
import { sendEmail, sendEmailBatch, transportLimits } from './transport.ts'
import { withdrawnInvitations } from './withdrawn.ts'
import { statement } from '../one-trip.ts'

export interface DeliveryReport {
  sent: string[]
  retrying: { id: string; error: string }[]
  failed: { id: string; error: string }[]
  /** Why it stopped: nothing due, the time or CPU budget spent (more may be due), or `limit` reached. */
  stoppedBy: 'empty' | 'budget' | 'limit'
}

export interface DeliveryOptions {
  now?: Date
  /** Wall time to spend sending (default DELIVERY_BUDGET_MS). */
  budgetMs?: number
  /** The invocation's CPU/wall budget (sync/budget.ts): rendering is costly, so no new email past it. */
  budget?: { spent(): unknown }
  /** At most this many emails. */
  limit?: number
  /** Only these rows (tests deliver their own emails only; the shared outbox is not theirs). */
  ids?: string[]
  /**
   * The caller has just seen that no email is due (the workflow runner's last claim asks, workflows/runner.ts):
   * nothing is claimed, so a drain with no email due spends no statement here.
   */
  noneDue?: boolean
}

export const MAX_EMAIL_ATTEMPTS = 10
/** Default time a worker run spends sending, well inside an edge function's wall clock. */
const DELIVERY_BUDGET_MS = 30_000

interface Claimed {
  id: string
  email_type: EmailType
  to_email: string | null
  props: Record<string, unknown>
  idempotency_key: string
  attempts: number
  batch_key: string | null
}
type Ready = Claimed & { to_email: string; rendered: RenderedEmail }

/** Why a due email lost its recipient: deleting an organization's data erases its emails' address and props. */
const ERASED = "not sent: its recipient and content were erased with the organization's personal data"

/** Backoff between delivery attempts: 30 s doubling, with jitter, at most an hour. */
function retryDelayMs(attempt: number, err: unknown): number {
  const base = Math.min(3_600_000, 30_000 * 2 ** Math.max(0, attempt - 1)) * (0.8 + Math.random() * 0.4)
  return Math.max(base, err instanceof RetryAfterError ? err.retryAfterMs : 0)
}

/** Leases up to `n` due emails (of `ids` only, when given), and every other member of their batches. */
async function claim(sql: postgres.Sql, now: Date, n: number, ids?: string[]): Promise<Claimed[]> {
  return await sql<Claimed[]>`
    with picked as (
      select id, batch_key from billing.email_outbox
      where ((status = 'pending' and next_attempt_at <= ${now}) or (status = 'sending' and lease_until < now()))
        ${ids ? sql`and id = any(${ids}::uuid[])` : sql``}
      order by next_attempt_at limit ${n} for update skip locked),
    -- The picked rows and their batches' other unsent members, by index: an OR of the two in the update's
    -- WHERE made Postgres scan the whole outbox, sent history included, on every claim (6 ms at 15,000 rows).
    targets as (
      select id from picked
      union
      select o.id from billing.email_outbox o join picked p on o.batch_key = p.batch_key where o.status in ('pending', 'sending'))
    update billing.email_outbox set status = 'sending', lease_until = now() + interval '2 minutes', attempts = attempts + 1
    where id in (select id from targets)
    returning id, email_type, to_email, props || coalesce(secret_props, '{}'::jsonb) as props, idempotency_key, attempts, batch_key`
}

/** The batches to send: those already written down as they were, the rest in new ones of `size`. */
async function batches(sql: postgres.Sql, ready: Ready[], size: number): Promise<{ key: string | null; emails: Ready[] }[]> {
  if (size <= 1) return ready.map((e) => ({ key: null, emails: [e] }))
  const out = new Map<string, Ready[]>()
  const fresh: Ready[] = []
  for (const e of ready) e.batch_key ? out.set(e.batch_key, [...(out.get(e.batch_key) ?? []), e]) : fresh.push(e)
  const result = [...out].map(([key, emails]) => ({ key: key as string | null, emails }))
  for (let i = 0; i < fresh.length; i += size) {
    const emails = fresh.slice(i, i + size)
    if (emails.length === 1) {
      result.push({ key: null, emails })
      continue
    }
    const key = `batch:${await digest(emails.map((e) => e.idempotency_key).sort().join('\n'))}`
    await sql`update billing.email_outbox set batch_key = ${key} where id = any(${emails.map((e) => e.id)}::uuid[])`
    result.push({ key, emails })
  }
  return result
}

async function digest(text: string): Promise<string> {
  const bytes = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)))
  return [...bytes.slice(0, 16)].map((b) => b.toString(16).padStart(2, '0')).join('')
}

async function markSent(sql: postgres.Sql, emails: Ready[], ids: { providerMessageId: string }[], report: DeliveryReport) {
  await statement(
    sql,
    `update billing.email_outbox o set status = 'sent', sent_at = now(), subject = s.subject, provider_message_id = s.provider_id,
        last_error = null, lease_until = null
      from unnest($1::uuid[], $2::text[], $3::text[]) as s(id, subject, provider_id)
      where o.id = s.id`,
    [emails.map((e) => e.id), emails.map((e) => e.rendered.subject), ids.map((i) => i.providerMessageId)],
  )
  report.sent.push(...emails.map((e) => e.id))
}

/** An email that can no longer be sent is skipped with its reason, not rendered into a failure. */
async function markSkipped(sql: postgres.Sql, e: Claimed, reason: string) {
  await sql`update billing.email_outbox set status = 'skipped', last_error = ${reason}, lease_until = null where id = ${e.id}`
  console.warn(`email: ${e.email_type} ${e.idempotency_key} skipped: ${reason}`)
}

async function markFailed(sql: postgres.Sql, e: Claimed, err: unknown, now: Date, report: DeliveryReport, log = true) {
  const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err)
  const final = err instanceof NonRetriableError || e.attempts >= MAX_EMAIL_ATTEMPTS
  await sql`update billing.email_outbox set status = ${final ? 'failed' : 'pending'}, last_error = ${error.slice(0, 2000)},
    next_attempt_at = ${new Date(now.getTime() + retryDelayMs(e.attempts, err))}, lease_until = null where id = ${e.id}`
  ;(final ? report.failed : report.retrying).push({ id: e.id, error })
  if (log) console.error(`email: ${e.email_type} ${e.idempotency_key} ${final ? 'failed for good' : 'will be retried'}: ${error}`)
}

const outgoing = (e: Ready) => ({ to: e.to_email, ...e.rendered, idempotencyKey: e.idempotency_key })

async function sendOne(sql: postgres.Sql, e: Ready, now: Date, report: DeliveryReport) {
  try {
    await markSent(sql, [e], [await sendEmail(outgoing(e))], report)
  } catch (err) {
    await markFailed(sql, e, err, now, report)
  }
}

async function sendBatch(sql: postgres.Sql, b: { key: string; emails: Ready[] }, now: Date, report: DeliveryReport) {
  try {
    await markSent(sql, b.emails, await sendEmailBatch(b.emails.map(outgoing), b.key), report)
  } catch (err) {
    if (!(err instanceof NonRetriableError)) {
      console.error(`email: batch ${b.key} of ${b.emails.length} emails will be retried whole: ${String(err)}`)
      for (const e of b.emails) await markFailed(sql, e, err, now, report, false)
      return
    }
    // Refused whole (one bad address fails a strict batch): nothing was sent, so each goes on its own.
    console.warn(`email: batch ${b.key} refused (${err.message}); sending its ${b.emails.length} emails one by one`)
    await sql`update billing.email_outbox set batch_key = null where id = any(${b.emails.map((e) => e.id)}::uuid[])`
    for (const e of b.emails) await sendOne(sql, e, now, report)
  }
}

/** Hands back leased emails not rendered before the budget ran out, as they were. */
async function release(sql: postgres.Sql, emails: Claimed[]) {
  if (emails.length === 0) return
  await sql`update billing.email_outbox set status = 'pending', lease_until = null, attempts = attempts - 1
    where id = any(${emails.map((e) => e.id)}::uuid[])`
}

/** Sends due emails until none is due, or the budget or `limit` is reached. */
export async function deliverDueEmails(sql: postgres.Sql, opts: DeliveryOptions = {}): Promise<DeliveryReport> {
  if (opts.noneDue) return { sent: [], retrying: [], failed: [], stoppedBy: 'empty' }
  // An email the drain's workflows recorded just before is due (dueBound, clock.ts).
  const now = opts.now ?? dueBound(await productNow())
  const deadline = Date.now() + (opts.budgetMs ?? DELIVERY_BUDGET_MS)
  const limits = transportLimits()
  const report: DeliveryReport = { sent: [], retrying: [], failed: [], stoppedBy: 'empty' }
  let left = opts.limit ?? Number.POSITIVE_INFINITY
  let nextCallAt = 0
  for (;;) {
    if (left <= 0) return { ...report, stoppedBy: 'limit' }
    if (Date.now() >= deadline || opts.budget?.spent()) return { ...report, stoppedBy: 'budget' }
    const claimed = await claim(sql, now, Math.min(left, limits.batchSize * limits.concurrency), opts.ids)
    if (claimed.length === 0) return report
    left -= claimed.length
    const ready: Ready[] = []
    // A batch member may have gone out already (its answer lost): it goes again as it was, never skipped.
    const withdrawn = await withdrawnInvitations(sql, claimed.filter((e) => e.email_type === 'invitation' && !e.batch_key).map((e) => e.id))
    for (const [i, e] of claimed.entries()) {
      // A batch already sent once goes again whole; a fresh email waits for the next run past the budget.
      if (ready.length > 0 && !e.batch_key && opts.budget?.spent()) {
        await release(sql, claimed.slice(i).filter((r) => !r.batch_key))
        left = 0
        break
      }
      if (!e.to_email) {
        await markSkipped(sql, e, ERASED)
        continue
      }
      if (withdrawn.has(e.id)) {
        await markSkipped(sql, e, withdrawn.get(e.id)!)
        continue
      }
      try {
        ready.push({ ...e, to_email: e.to_email, rendered: await renderEmail(e.email_type, e.props) })
      } catch (err) {
        await markFailed(sql, e, err, now, report)
      }
    }
    const queue = await batches(sql, ready, limits.batchSize)
    await Promise.all(Array.from({ length: limits.concurrency }, async () => {
      for (let b = queue.shift(); b; b = queue.shift()) {
        // Paced to the provider's rate limit: calls start at least minIntervalMs apart.
        const wait = nextCallAt - Date.now()
        nextCallAt = Math.max(Date.now(), nextCallAt) + limits.minIntervalMs
        if (wait > 0) await new Promise((r) => setTimeout(r, wait))
        await (b.key ? sendBatch(sql, { key: b.key, emails: b.emails }, now, report) : sendOne(sql, b.emails[0], now, report))
      }
    }))
    if (left <= 0 && opts.budget?.spent()) return { ...report, stoppedBy: 'budget' }
  }
}
