// Group commit for the webhook: concurrent deliveries in one process share one multi-row insert, which
// is one statement and so one transaction, one commit and one fsync. Each caller's promise settles only
// after that statement returned, that is after the commit (DESIGN rule 6: acknowledge only what is
// committed). An idle recorder flushes at once (no added wait); while a flush is in flight, arrivals
// gather and go in the next one, at most MAX_BATCH rows. When a group fails, its rows are recorded one by
// one, so a row the database refuses fails its own request and not its neighbours'.
import type postgres from 'postgres'
import { statement } from '../one-trip.ts'
import type { RecordedEvent } from './envelope.ts'
import { recordEvent } from './record.ts'

const MAX_BATCH = 64
/**
 * Flushes in flight at once: one keeps gathering while another commits. One (larger groups: ~7 events
 * instead of ~4) measured no better (npm run bench:ingest, 1,000 customers, alternated: ratios to the
 * peer 1.29, 1.40, 1.68 against 1.53, 1.48, 1.49; p99 26-36 ms against 29-30). Nor did three, on a
 * durable cluster where each commit waits for its flush to disk (the same bench alternated twice,
 * 2026-12-01: pairs 1.47, 1.37, 1.44 and 1.06, 1.44, 1.42 against 1.34, 1.26, 1.61 and 1.33, 1.64, 1.34).
 */
const MAX_IN_FLIGHT = 2

interface Pending {
  event: RecordedEvent
  resolve: (inserted: boolean) => void
  reject: (err: unknown) => void
}

export interface GroupRecorder {
  record: (event: RecordedEvent) => Promise<boolean>
  /** Sizes of the groups flushed so far (tests and diagnostics; the last 100). */
  readonly groupSizes: number[]
}

// The group as one JSON array, built as text: a payload whose text is known (the signed body) is put in
// as it came instead of being serialized again; Postgres parses the whole array once. (Sent as text:
// a parameter typed jsonb would have postgres.js serialize the string once more; one round trip either
// way, one-trip.ts.)
function groupJson(events: RecordedEvent[]): string {
  return `[${
    events.map((e) => {
      const columns = JSON.stringify({
        id: e.id,
        type: e.type,
        api_version: e.apiVersion,
        api_version_mismatch: e.apiVersionMismatch,
        account: e.account,
        livemode: e.livemode,
        created: e.created.toISOString(),
        object_type: e.objectType,
        object_id: e.objectId,
        customer_id: e.customerId,
        verified_by: e.verifiedBy,
      })
      return `${columns.slice(0, -1)},"payload":${e.payloadText ?? JSON.stringify(e.payload)}}`
    }).join(',')
  }]`
}

async function insertGroup(sql: postgres.Sql, group: Pending[]): Promise<void> {
  // Within a group, the first delivery of an id is the one that may insert; later ones are duplicates.
  const first = new Map<string, Pending>()
  for (const p of group) if (!first.has(p.event.id)) first.set(p.event.id, p)
  const rows = groupJson([...first.values()].map((p) => p.event))
  const inserted = new Set(
    (await statement<{ id: string }[]>(sql, 'select billing.service_role_record_stripe_events($1::text::jsonb) as id', [rows])).map((r) => r.id),
  )
  for (const p of group) p.resolve(first.get(p.event.id) === p && inserted.has(p.event.id))
}

export function createGroupRecorder(sql: postgres.Sql): GroupRecorder {
  let queue: Pending[] = []
  let inFlight = 0
  const groupSizes: number[] = []

  async function flush(group: Pending[]): Promise<void> {
    groupSizes.push(group.length)
    if (groupSizes.length > 100) groupSizes.shift()
    try {
      await insertGroup(sql, group)
    } catch (err) {
      if (group.length === 1) group[0].reject(err)
      // One by one: each request gets its own row's outcome (a dead database fails each of them).
      else await Promise.all(group.map((p) => recordEvent(sql, p.event).then(p.resolve, p.reject)))
    }
  }

  function pump(): void {
    while (inFlight < MAX_IN_FLIGHT && queue.length > 0) {
      const group = queue.slice(0, MAX_BATCH)
      queue = queue.slice(MAX_BATCH)
      inFlight++
      void flush(group).finally(() => {
        inFlight--
        pump()
      })
    }
  }

  return {
    groupSizes,
    record: (event) =>
      new Promise<boolean>((resolve, reject) => {
        queue.push({ event, resolve, reject })
        pump()
      }),
  }
}
