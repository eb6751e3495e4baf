// Reconciliation: list the last days of events from Stripe's Events API and record any the inbox lacks
// (deliveries that never arrived). Recorded events flow through the queue like webhooks do.
import type postgres from 'postgres'
import type Stripe from 'stripe'
import { NonRetriableError } from '../errors.ts'
import { limited, type Bucket } from '../stripe/limiter.ts'
import { StripeEvent, toRecorded } from '../webhook/envelope.ts'
import { recordEvent } from '../webhook/record.ts'

export interface ReconcileReport {
  listed: number
  recorded: string[]
  invalid: string[]
}

export async function reconcile(sql: postgres.Sql, stripe: Stripe, bucket: Bucket, days: number): Promise<ReconcileReport> {
  const report: ReconcileReport = { listed: 0, recorded: [], invalid: [] }
  const since = Math.floor(Date.now() / 1000) - days * 86400
  let startingAfter: string | undefined
  for (;;) {
    // One page per call, each drawing from the shared rate limiter.
    const page = await limited(sql, bucket, () =>
      stripe.events.list({ created: { gte: since }, limit: 100, ...(startingAfter ? { starting_after: startingAfter } : {}) }),
    )
    for (const raw of page.data) {
      report.listed++
      const parsed = StripeEvent.safeParse(raw)
      if (!parsed.success) {
        report.invalid.push(raw.id)
        console.error(`stripe-sync: reconcile skipped ${raw.id}: not a well-formed event`)
        continue
      }
      let row
      try {
        row = toRecorded(parsed.data, 'events-api')
      } catch (err) {
        // Content no retry can store (see jsonb.ts): skipped with its reason, not a reconcile that fails forever.
        if (!(err instanceof NonRetriableError)) throw err
        report.invalid.push(raw.id)
        console.error(`stripe-sync: reconcile skipped ${raw.id}: ${err.message}`)
        continue
      }
      if (await recordEvent(sql, row)) report.recorded.push(raw.id)
    }
    if (!page.has_more || page.data.length === 0) break
    startingAfter = page.data[page.data.length - 1].id
  }
  if (report.recorded.length > 0) console.warn(`stripe-sync: reconcile recorded ${report.recorded.length} missed event(s): ${report.recorded.slice(0, 20).join(', ')}`)
  return report
}
