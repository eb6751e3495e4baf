// A bench measures from a quiet stack: every inbox event processed (or dead) and the product's queue empty.
import type postgres from 'postgres'

export async function quiet(sql: postgres.Sql, label: string, timeoutMs = 600_000): Promise<void> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const [r] = await sql`select (select count(*)::int from billing.stripe_events where status not in ('processed', 'dead')) as open,
      (select queue_length::int from pgmq.metrics('stripe_events')) as queued`
    if (r.open === 0 && r.queued === 0) return
    if (Date.now() > until) throw new Error(`${label}: ${r.open} events still open after ${timeoutMs / 1000} s`)
    await new Promise((res) => setTimeout(res, 500))
  }
}
