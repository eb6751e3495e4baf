// Errors that mean the database connection under a query is gone, and how many of them the functions
// have answered. A query can fail on the dead socket before postgres.js calls the pool's onclose, so
// db.ts cannot rely on onclose alone to know that a failed request met a dead connection: errorResponse
// (http.ts) counts each such error it answers, and `reconnecting` (db.ts) reads the count.

/**
 * The socket's (EPIPE, ECONNRESET: Deno's "This socket has been ended by the other party"), postgres.js's
 * own, and a backend ended by an administrator or a shutdown (57P01, 57P02).
 */
const LOST_CONNECTION = new Set(['EPIPE', 'ECONNRESET', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', '57P01', '57P02'])

/** True when `err`, or an error it was caused by (an HttpError wrapping it), is a lost connection's. */
export function isLostConnection(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && LOST_CONNECTION.has(code)) return true
  }
  return false
}

let answered = 0

/** Counts `err` when it is a lost connection's (errorResponse calls it for every error it answers). */
export function noteAnswered(err: unknown): void {
  if (isLostConnection(err)) answered++
}

/** How many lost-connection errors have been answered in this isolate so far. */
export const lostConnectionsAnswered = (): number => answered
