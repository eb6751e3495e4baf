// One event of every v1 type Stripe sends (the 275 of the pinned API), each carrying Stripe's own example
// object for its type (tests/fixtures/stripe), signed and posted to the stack's stripe-webhook: every
// one is accepted and recorded once, and the stack's sync and workflows finish every one (nothing failed,
// dead or stuck), whatever the product does with that type. The customer in them is one Stripe does not
// have (as for a deleted customer), so nothing may be created for it.
import { readFileSync } from 'node:fs'
import { afterAll, describe, expect, test } from 'vitest'
import { adminSql, functionsUrl, keys, uniq } from '../helpers/stack.ts'
import { fakeEvent, postSigned } from '../helpers/stripe-events.ts'

const sql = adminSql()
afterAll(() => sql.end())

const { events: TYPES } = JSON.parse(readFileSync('dev/stripe-emulator/event-types.json', 'utf8')) as { events: { type: string; object: string }[] }
const FIXTURES = (JSON.parse(readFileSync('tests/fixtures/stripe/fixtures3.json', 'utf8')) as { resources: Record<string, Record<string, unknown>> }).resources

/** The fixture for a class name of the stripe package ("Checkout.Session" → "checkout.session"). */
function exampleOf(className: string): Record<string, unknown> {
  const aliases: Record<string, string> = { InvoiceItem: 'invoiceitem', CustomerSource: 'card' }
  const key = aliases[className] ?? className.split('.').map((p) => p.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase()).join('.')
  return structuredClone(FIXTURES[key] ?? { id: uniq('obj'), object: key })
}

async function poll<T>(what: string, read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const v = await read()
    if (done(v) || Date.now() > until) return v
    // What pg_cron does every minute: drain the queue and run due workflow work.
    await fetch(`${functionsUrl}/stripe-sync`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys.serviceRole}`, 'content-type': 'application/json' },
      body: JSON.stringify({ mode: 'drain', trigger: `test: ${what}` }),
    }).then((r) => r.arrayBuffer())
    await new Promise((r) => setTimeout(r, 250))
  }
}

describe('every Stripe event type', () => {
  test('is accepted once, synced and finished by the workflows, with nothing made for a customer Stripe does not have', { timeout: 180_000 }, async () => {
    const customer = uniq('cus_fixture')
    const events = TYPES.map(({ type, object }) => {
      const o = exampleOf(object)
      if (o.object === 'customer') o.id = customer
      else if ('customer' in o && o.customer !== null) o.customer = customer
      // Catalog objects are fetched by id: ids of this run only.
      if (o.object === 'product' || o.object === 'price') o.id = uniq(o.object === 'product' ? 'prod' : 'price')
      return fakeEvent(type, o, uniq('evt'))
    })
    expect(events).toHaveLength(TYPES.length)
    expect(TYPES.length).toBeGreaterThan(250)

    const post = async (batch: typeof events) => {
      const answers: { type: string; status: number; body: any }[] = []
      for (let i = 0; i < batch.length; i += 8) {
        answers.push(...(await Promise.all(batch.slice(i, i + 8).map(async (e) => {
          const res = await postSigned(JSON.stringify(e))
          return { type: e.type, status: res.status, body: await res.json() }
        }))))
      }
      return answers
    }
    const first = await post(events)
    expect(first.filter((a) => a.status !== 200 || a.body.duplicate !== false)).toEqual([])
    const again = await post(events.slice(0, 20))
    expect(again.every((a) => a.status === 200 && a.body.duplicate === true)).toBe(true)

    const ids = events.map((e) => e.id)
    const recorded = await sql`select count(*)::int as n, count(*) filter (where customer_id = ${customer})::int as mine
      from billing.stripe_events where id = any(${ids})`
    const withCustomer = events.filter((e) => e.data.object.object === 'customer' || ('customer' in e.data.object && e.data.object.customer === customer)).length
    expect(recorded[0]).toEqual({ n: events.length, mine: withCustomer })

    const statuses = await poll('every event type synced', async () => sql`select status, count(*)::int as n from billing.stripe_events where id = any(${ids}) group by status`,
      (rows) => rows.length === 1 && rows[0].status === 'processed')
    expect(statuses).toEqual([{ status: 'processed', n: events.length }])

    const unfinished = await poll('their workflow runs finished', async () => sql`select workflow_id, status, last_error from billing.workflow_runs
        where event ->> 'id' = any(${ids}) and status not in ('completed', 'cancelled')`, (rows) => rows.length === 0, 30_000)
    expect(unfinished).toEqual([])
    expect(await sql`select id from public.organizations where stripe_customer_id = ${customer}`).toEqual([])
    expect(await sql`select deleted from public.stripe_customers where id = ${customer}`).toEqual([{ deleted: true }])
    expect(await sql`select count(*)::int as n from billing.email_outbox where run_id in (select id from billing.workflow_runs where event ->> 'id' = any(${ids}))`).toEqual([{ n: 0 }])
  })
})
