// Writes a verified event to the inbox; the insert trigger enqueues it in the same transaction.
import type postgres from 'postgres'
import type { RecordedEvent } from './envelope.ts'

export async function recordEvent(sql: postgres.Sql, e: RecordedEvent): Promise<boolean> {
  const [row] = await sql<{ inserted: boolean }[]>`
    select billing.service_role_record_stripe_event(
      ${e.id}, ${e.type}, ${e.apiVersion}, ${e.apiVersionMismatch}, ${e.account}, ${e.livemode}, ${e.created},
      ${e.objectType}, ${e.objectId}, ${e.customerId}, ${sql.json(e.payload as never)}, ${e.verifiedBy}
    ) as inserted`
  return row.inserted
}
