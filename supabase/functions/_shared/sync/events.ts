// Status bookkeeping on the inbox rows of the events a group carried.
import type postgres from 'postgres'

/** Inside the sync transaction: the events' effects are committed together with this mark. */
export async function markProcessed(tx: postgres.TransactionSql | postgres.Sql, eventIds: string[]): Promise<void> {
  if (eventIds.length === 0) return
  await tx`
    update billing.stripe_events
    set status = 'processed', processed_at = now(), attempts = attempts + 1, last_error = null
    where id = any(${eventIds})`
}

/** After a failed attempt: `failed` while it will be retried, `dead` when it will not. */
export async function markFailed(sql: postgres.Sql, eventIds: string[], status: 'failed' | 'dead', attempts: number, error: string): Promise<void> {
  if (eventIds.length === 0) return
  await sql`
    update billing.stripe_events
    set status = ${status}, attempts = greatest(attempts, ${attempts}), last_error = ${error.slice(0, 2000)}
    where id = any(${eventIds}) and status <> 'processed'`
}
