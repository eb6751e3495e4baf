// A run a test dispatched may be claimed by the stack's own worker (pg_cron, webhook kicks) before the
// test's runner takes it: both must render the same email. Here the stack's worker runs it (stripe-sync
// run-due, the function its cron job calls), and its links must be the ones the test's runner renders.
import { describe, expect, test } from 'vitest'
import { config } from '../../supabase/functions/_shared/config.ts'
import { days, handOver } from '../helpers/billing.ts'
import { functionsUrl, keys } from '../helpers/stack.ts'
import { subscribed, workflowFile } from '../helpers/workflow-file.ts'

const sql = workflowFile()

/** Due work run by the stack's functions host, as its cron job runs it. */
async function stackRunsDue(): Promise<void> {
  const res = await fetch(`${functionsUrl}/stripe-sync`, {
    method: 'POST',
    headers: { authorization: `Bearer ${keys.serviceRole}`, 'content-type': 'application/json' },
    body: JSON.stringify({ mode: 'run-due', trigger: 'stack-worker-links-test' }),
  })
  expect(res.status, await res.text()).toBe(200)
}

describe('a run the stack\'s worker takes', () => {
  test('renders the links the test\'s own runner renders (the same APP_URL on both sides)', { timeout: 120_000 }, async () => {
    const { sub, org } = await subscribed(sql)
    const endsAt = Math.floor(days(20).getTime() / 1000)
    await handOver(sql, 'customer.subscription.updated', { ...sub, cancel_at_period_end: true, cancel_at: endsAt }, { cancel_at_period_end: false, cancel_at: null })
    const deadline = Date.now() + 90_000
    let rows = []
    while ((rows = await sql`select props from billing.email_outbox where organization_id = ${org.id} and email_type = 'cancellation_scheduled'`).length === 0) {
      if (Date.now() > deadline) throw new Error('the stack\'s worker never ran the cancellation confirmation')
      await stackRunsDue()
      await new Promise((r) => setTimeout(r, 500))
    }
    expect(rows[0].props.resumeUrl).toBe(`${config().APP_URL}/billing/${org.id}`)
  })
})
