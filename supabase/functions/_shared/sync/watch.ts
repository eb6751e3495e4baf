// After its drain, the stripe-sync call of the drain job keeps watching the queue for the rest of the
// minute (pg_cron 1.4 has minute schedules only) and kicks a fresh drain whenever messages a worker had
// read are visible again: a dead worker's messages come back within one short visibility timeout and are
// synced seconds later, not at the next cron minute. It runs as a background task after the answer, so
// neither pg_cron nor pg_net waits on it; it does no work itself (a kicked invocation has its own budget).
import type postgres from 'postgres'
import { hasReturnedMessages } from './queue.ts'

/** Looks every `everyMs` until `untilMs` (epoch ms); returns how many kicks it made. */
export async function watchReturned(sql: postgres.Sql, queue: string, untilMs: number, everyMs: number, kick: () => void): Promise<number> {
  let kicks = 0
  while (Date.now() + everyMs <= untilMs) {
    await new Promise((r) => setTimeout(r, everyMs))
    if (await hasReturnedMessages(sql, queue)) {
      kick()
      kicks++
    }
  }
  return kicks
}
