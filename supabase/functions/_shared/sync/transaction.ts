// A transaction whose BEGIN travels in one message with its first statement, on a connection reserved
// for it. sql.begin sends BEGIN and waits for its answer before the first statement: a round trip per
// customer group for nothing (a socket write, a read and a wake-up of the worker's thread, issue 15).
import type postgres from 'postgres'

/**
 * A failure that took the connection with it (postgres.js's own codes, the socket's errno codes, a FATAL
 * from Postgres): nothing is left to roll back, and the connection is postgres.js's to replace.
 */
function connectionLost(err: unknown): boolean {
  const e = err as { code?: unknown; severity?: unknown }
  const code = typeof e?.code === 'string' ? e.code : ''
  return code.startsWith('CONNECTION_') || /^E[A-Z]+$/.test(code) || e?.severity === 'FATAL' || e?.severity === 'PANIC'
}

/**
 * What a transaction's body returns when its last statements are sent but not answered yet: the COMMIT
 * goes right behind them, in the same round trip (Postgres runs a connection's statements in order, and
 * answers a COMMIT after a failed one with ROLLBACK). Only for statements already sent when the body
 * returns: a postgres.js query is sent by `.execute()` (or its first `then`), so every one of them must
 * be executed before the body's first `await` after it, as applyAndFinish's and the hand-off's are.
 */
export class Sent<T> {
  constructor(readonly answers: Promise<T>) {}
}

/**
 * Runs `first` (statements without parameters, sent as one simple query after BEGIN) and then `body` with
 * the rows of first's last statement, in one transaction on a connection of `sql` reserved for it:
 * committed when `body` returns (behind its last statements when it returns them Sent), rolled back when
 * anything throws (the connection goes back to the pool either way, unless it was lost). As sql.begin, a
 * COMMIT that Postgres answers with ROLLBACK (a statement failed and `body` went on) throws.
 */
export async function transactionBegunWith<R, T>(
  sql: postgres.Sql,
  first: string,
  body: (tx: postgres.Sql, rows: R[]) => Promise<T | Sent<T>>,
): Promise<T> {
  const tx = await sql.reserve()
  let lost = false
  let ended = false
  try {
    const results = (await tx.unsafe(`begin;\n${first}`)) as unknown as R[][]
    const out = await body(tx, results[results.length - 1])
    if (!(out instanceof Sent)) {
      const end = await tx.unsafe('commit')
      ended = true
      if (end.command !== 'COMMIT') throw new Error(`the transaction was rolled back at its commit (${end.command})`)
      return out
    }
    const [answers, end] = await Promise.allSettled([out.answers, tx.unsafe('commit').execute()])
    // Answered, the COMMIT ended the transaction whatever it says (ROLLBACK after a failed statement).
    ended = end.status === 'fulfilled'
    if (answers.status === 'rejected') throw answers.reason
    if (end.status === 'rejected') throw end.reason
    if (end.value.command !== 'COMMIT') throw new Error(`the transaction was rolled back at its commit (${end.value.command})`)
    return answers.value
  } catch (err) {
    lost = connectionLost(err)
    // A failure in `first` leaves its transaction open (aborted) too.
    if (!lost && !ended) await tx.unsafe('rollback').catch(() => (lost = true))
    throw err
  } finally {
    // A lost connection stays where postgres.js put it (its closed ones, reconnected on demand): released,
    // it would be handed out as open.
    if (!lost) tx.release()
  }
}
