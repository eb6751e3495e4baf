// The webhook's recorder on the current database pool, across a dead pooled connection. When Postgres
// restarts or its backends are ended, db.ts retires the pools at the first closed connection; a delivery
// whose group failed meanwhile is recorded once more on the fresh pool (recording is idempotent: one row
// per event id) instead of answering 503 and waiting for Stripe's retry. This is `reconnecting`'s
// promise (db.ts) kept at the one step that touches the database, without its copy of every request
// (Request.clone tees the body into two streams, for a retry that almost never happens).
import type postgres from 'postgres'
import { retireIfLost } from '../db.ts'
import type { RecordedEvent } from './envelope.ts'
import { createGroupRecorder, type GroupRecorder } from './group-commit.ts'

/** `pool()` is the current pool (db.ts's `db(name)`); one group recorder per pool. */
export function poolRecorder(
  pool: () => postgres.Sql,
  groupRecorder: (sql: postgres.Sql) => GroupRecorder = createGroupRecorder,
): (event: RecordedEvent) => Promise<boolean> {
  let current: { sql: postgres.Sql; group: GroupRecorder } | undefined
  const on = (sql: postgres.Sql) => {
    if (current?.sql !== sql) current = { sql, group: groupRecorder(sql) }
    return current.group
  }
  return async (event) => {
    const sql = pool()
    try {
      return await on(sql).record(event)
    } catch (err) {
      // The error may come before the pool's onclose has retired it (db.ts).
      retireIfLost(sql, err)
      const fresh = pool()
      if (fresh === sql) throw err
      console.warn(`stripe-webhook: ${event.id} failed on a dead connection; recording it again on a fresh one`)
      return await on(fresh).record(event)
    }
  }
}
