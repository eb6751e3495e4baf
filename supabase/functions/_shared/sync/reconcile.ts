// Reconciliation: list the last days of events from Stripe's Events API and record any the inbox lacks
// (deliveries that never arrived). Recorded events flow through the queue like webhooks do.
import type postgres from 'postgres'
import { NonRetriableError } from '../errors.ts'
import { call, type StripeContext } from '../stripe/context.ts'
import { StripeEvent, toRecorded } from '../webhook/envelope.ts'
import { recordEvent } from '../webhook/record.ts'

export interface ReconcileReport {
  listed: number
  recorded: string[]
  invalid: string[]
}

export async function reconcile(sql: postgres.Sql, ctx: StripeContext, days: number): Promise<ReconcileReport> {
  const report: ReconcileReport = { listed: 0, recorded: [], invalid: [] }
  const since = Math.floor(Date.now() / 1000) - days * 86400
  // The library pages, 100 events a request; each request (and each of its retries) takes a token.
  await call('list events', async () => {
    for await (const raw of ctx.stripe.events.list({ created: { gte: since }, limit: 100 })) {
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
  })
  if (report.recorded.length > 0) {
    console.warn(`stripe-sync: reconcile recorded ${report.recorded.length} missed event(s): ${report.recorded.slice(0, 20).join(', ')}`)
  }
  return report
}
