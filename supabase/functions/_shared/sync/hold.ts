// A live worker keeps the messages it is working on invisible by renewing their short visibility
// timeout every third of it. A worker that dies (killed, out of CPU, crashed host) stops renewing, so
// its messages are visible again within one visibility timeout instead of minutes.
import type postgres from 'postgres'
import { extendVisibility } from './queue.ts'

export interface Hold {
  /** Messages just read: renewed from now on. */
  add(msgIds: string[]): void
  /** Stop renewing these (before deleting them or setting their timeout ourselves); waits for a renewal in flight. */
  release(msgIds: string[]): Promise<void>
  /** Ends the renewals (the worker is done). */
  stop(): Promise<void>
}

export function holdMessages(sql: postgres.Sql, queue: string, visibilitySeconds: number, onRenew?: () => void): Hold {
  const held = new Set<string>()
  let renewing: Promise<void> = Promise.resolve()
  const timer = setInterval(() => {
    onRenew?.()
    if (held.size === 0) return
    const ids = [...held]
    renewing = renewing
      .then(() => extendVisibility(sql, queue, ids, visibilitySeconds))
      .catch((err) => console.warn(`stripe-sync: renewing the visibility of ${ids.length} message(s) failed:`, err))
  }, Math.max(500, (visibilitySeconds * 1000) / 3))
  return {
    add: (ids) => ids.forEach((id) => held.add(id)),
    async release(ids) {
      ids.forEach((id) => held.delete(id))
      await renewing
    },
    async stop() {
      clearInterval(timer)
      held.clear()
      await renewing
    },
  }
}
