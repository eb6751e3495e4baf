// stripe-webhook against the running stack: through the gateway (no JWT), into the inbox.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { durability } from '../../dev/bench/db-stats.ts'
import { startCluster, stopCluster, superuser } from '../../dev/stack/postgres.ts'
import { down, up } from '../../dev/stack/stack.ts'
import { adminSql, probeProfile } from '../helpers/stack.ts'
import { fakeEvent, postSigned } from '../helpers/stripe-events.ts'

const sql = adminSql()
afterAll(() => sql.end())

describe('stripe-webhook ingestion', () => {
  test('a signed event is stored in the inbox with its routing, version and verifying secret', async () => {
    const e = fakeEvent('invoice.paid', { id: 'in_ingest_1', object: 'invoice', customer: 'cus_ingest_1', amount_paid: 1200 })
    const res = await postSigned(JSON.stringify(e))
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ received: true, id: e.id, duplicate: false })
    const [row] = await sql`select type, api_version, api_version_mismatch, livemode, object_type, object_id, customer_id, verified_by, payload from billing.stripe_events where id = ${e.id}`
    expect(row).toMatchObject({
      type: 'invoice.paid',
      api_version: e.api_version,
      api_version_mismatch: false,
      livemode: false,
      object_type: 'invoice',
      object_id: 'in_ingest_1',
      customer_id: 'cus_ingest_1',
    })
    expect(row.verified_by).toMatch(/^#1 [0-9a-f]{8}$/)
    expect(row.payload.data.object.amount_paid).toBe(1200)
  })

  test('the same event delivered three times at once is stored once and acknowledged each time', async () => {
    const body = JSON.stringify(fakeEvent('customer.updated', { id: 'cus_dup_1', object: 'customer' }))
    const answers = await Promise.all([1, 2, 3].map(() => postSigned(body).then((r) => r.json())))
    expect(answers.map((a) => a.duplicate).sort()).toEqual([false, true, true])
    const [{ n }] = await sql`select count(*)::int as n from billing.stripe_events where id = ${JSON.parse(body).id}`
    expect(n).toBe(1)
  })

  test('an event with U+0000 in its strings (which Postgres cannot store) is recorded with U+FFFD in their place', async () => {
    const e = fakeEvent('customer.updated', { id: 'cus_nul_1', object: 'customer', name: 'Acme\u0000 Inc', metadata: { 'note\u0000': 'x\u0000y' } })
    const res = await postSigned(JSON.stringify(e))
    expect(res.status).toBe(200)
    const [row] = await sql`select customer_id, payload -> 'data' -> 'object' as object from billing.stripe_events where id = ${e.id}`
    expect(row).toEqual({ customer_id: 'cus_nul_1', object: { id: 'cus_nul_1', object: 'customer', name: 'Acme\uFFFD Inc', metadata: { 'note\uFFFD': 'x\uFFFDy' } } })
  })

  test('an event with lone UTF-16 surrogates (which Postgres refuses) is recorded with U+FFFD in their place', async () => {
    const e = fakeEvent('customer.updated', { id: 'cus_sur_1', object: 'customer', name: 'Acme \uD800 Inc', metadata: { 'k\uDC00': '\uD83D\uDE00' } })
    const res = await postSigned(JSON.stringify(e))
    expect(res.status).toBe(200)
    const [row] = await sql`select payload -> 'data' -> 'object' as object from billing.stripe_events where id = ${e.id}`
    expect(row.object).toEqual({ id: 'cus_sur_1', object: 'customer', name: 'Acme \uFFFD Inc', metadata: { 'k\uFFFD': '\uD83D\uDE00' } })
  })

  test('an event nested 10,000 levels deep is refused with 400 saying why, and nothing is stored', async () => {
    const e = fakeEvent('customer.updated', { id: 'cus_deep_1', object: 'customer' })
    const deep = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000)
    const res = await postSigned(JSON.stringify(e).replace('"object":"customer"', `"object":"customer","nested":${deep}`))
    expect(res.status).toBe(400)
    expect((await res.json()).error.message).toMatch(/nested deeper than 100 levels/)
    expect(await sql`select 1 from billing.stripe_events where id = ${e.id}`).toHaveLength(0)
  })

  test('an event with `previous_attributes: null` is recorded', async () => {
    const e = { ...fakeEvent('customer.updated', { id: 'cus_prev_null', object: 'customer' }), request: null }
    const res = await postSigned(JSON.stringify({ ...e, data: { ...e.data, previous_attributes: null } }))
    expect(res.status).toBe(200)
    expect(await sql`select 1 from billing.stripe_events where id = ${e.id}`).toHaveLength(1)
  })

  test('a thin event is stored and the sync finishes it, starting no workflow', { timeout: 90_000 }, async () => {
    const thin = { id: `evt_test_${Date.now()}thin`, object: 'v2.core.event', type: 'v1.billing.meter.no_meter_found', created: new Date().toISOString(), livemode: false, related_object: null }
    const res = await postSigned(JSON.stringify(thin))
    expect(res.status).toBe(200)
    let row: Record<string, unknown> | undefined
    for (const end = Date.now() + 60_000; row?.status !== 'processed' && Date.now() < end;) {
      ;[row] = await sql`select status, type, customer_id, object_id from billing.stripe_events where id = ${thin.id}`
      if (row?.status !== 'processed') await new Promise((r) => setTimeout(r, 100))
    }
    expect(row).toEqual({ status: 'processed', type: thin.type, customer_id: null, object_id: null })
    expect(await sql`select id from billing.workflow_runs where event ->> 'id' = ${thin.id}`).toEqual([])
  })

  test('a request with a bad signature writes nothing', async () => {
    const e = fakeEvent('invoice.paid', { id: 'in_bad', object: 'invoice', customer: 'cus_bad' })
    const res = await postSigned(JSON.stringify(e), undefined, 'whsec_not_the_configured_secret')
    expect(res.status).toBe(400)
    expect(await sql`select 1 from billing.stripe_events where id = ${e.id}`).toHaveLength(0)
  })
})

describe('stripe-webhook when the database goes away', () => {
  // A stack of its own, with Postgres durable as a hosted database is (npm test's clusters are not:
  // dev/test/run.ts), so that a crash loses exactly what was not committed.
  const p = probeProfile('dbdown')
  const url = () => `${p.apiUrl}/functions/v1/stripe-webhook`
  const deliver = async (e: ReturnType<typeof fakeEvent>) => (await postSigned(JSON.stringify(e), url()).catch(() => null))?.status ?? 0
  beforeAll(() => up(p, { fresh: true, durable: true }), 180_000)
  afterAll(() => down(p, { cluster: true }), 60_000)

  test('webhooks get 503 while it is down, and every acknowledged event is stored after recovery', { timeout: 240_000 }, async () => {
    const acknowledged: string[] = []
    const refused: string[] = []
    const once = async () => {
      const e = fakeEvent('customer.updated', { id: 'cus_down', object: 'customer' })
      const status = await deliver(e)
      ;(status === 200 ? acknowledged : refused).push(e.id)
      return status
    }
    for (let i = 0; i < 5; i++) expect(await once()).toBe(200)
    await stopCluster(p)
    const whileDown = await Promise.all([1, 2, 3, 4, 5].map(once))
    expect(whileDown.every((s) => s === 503)).toBe(true)
    await startCluster(p, true)
    // Stripe retries: once the database is back, deliveries are acknowledged again.
    let status = 0
    for (const end = Date.now() + 60_000; status !== 200 && Date.now() < end;) {
      status = await once()
      if (status !== 200) await new Promise((r) => setTimeout(r, 200))
    }
    expect(status).toBe(200)
    const check = superuser(p)
    const stored = await check`select id from billing.stripe_events where id = any(${acknowledged})`
    const storedRefused = await check`select id from billing.stripe_events where id = any(${refused.slice(0, 5)})`
    await check.end()
    expect(stored.map((r) => r.id).sort()).toEqual([...acknowledged].sort())
    expect(storedRefused).toHaveLength(0)
  })

  // DESIGN rule 6: a 200 is sent only after the event's commit is on disk. Postgres crashes in the middle
  // of concurrent deliveries (group commits in flight); after recovery every acknowledged event is in the
  // inbox, and every event in the inbox is queued or already synced: nothing half-written. An ack sent
  // before the commit's flush (asynchronous commit) loses the last ones acknowledged.
  test('a Postgres crash during concurrent deliveries loses no acknowledged event', { timeout: 240_000 }, async () => {
    const before = superuser(p)
    expect(await durability(before).finally(() => before.end())).toEqual({ fsync: 'on', synchronous_commit: 'on', full_page_writes: 'on' })
    const events = Array.from({ length: 1200 }, (_, i) =>
      fakeEvent('customer.updated', { id: `cus_crash_${i % 40}`, object: 'customer', name: `Crash ${i}` }))
    const acknowledged: string[] = []
    let next = 0
    let crashed: Promise<void> | undefined
    const lane = async () => {
      while (next < events.length) {
        const e = events[next++]
        if ((await deliver(e)) === 200) acknowledged.push(e.id)
        // The crash comes while the other lanes' deliveries are in flight.
        if (acknowledged.length === 300) crashed ??= stopCluster(p, 'immediate')
      }
    }
    await Promise.all(Array.from({ length: 16 }, lane))
    await crashed
    expect(acknowledged.length).toBeGreaterThanOrEqual(300)
    expect(acknowledged.length).toBeLessThan(events.length)
    await startCluster(p, true)
    const check = superuser(p)
    try {
      for (const end = Date.now() + 60_000; ;) {
        const ok = await check`select 1`.then(() => true, () => false)
        if (ok || Date.now() > end) break
        await new Promise((r) => setTimeout(r, 200))
      }
      const ids = events.map((e) => e.id)
      const stored = await check<{ id: string }[]>`select id from billing.stripe_events where id = any(${ids})`
      const storedIds = new Set(stored.map((r) => r.id))
      expect(acknowledged.filter((id) => !storedIds.has(id))).toEqual([])
      const unqueued = await check<{ id: string }[]>`
        select e.id from billing.stripe_events e
        where e.id = any(${ids}) and e.status = 'pending'
          and not exists (select 1 from pgmq.q_stripe_events q where q.message ->> 'event_id' = e.id)`
      expect(unqueued).toEqual([])
    } finally {
      await check.end()
    }
  })
})
