// stripe-webhook against the running stack: through the gateway (no JWT), into the inbox.
import { afterAll, describe, expect, test } from 'vitest'
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

describe('stripe-webhook when the database is down', () => {
  test('webhooks get 503 while it is down, and every acknowledged event is stored after recovery', { timeout: 240_000 }, async () => {
    const p = probeProfile('dbdown')
    await up(p, { fresh: true })
    try {
      const url = `${p.apiUrl}/functions/v1/stripe-webhook`
      const acknowledged: string[] = []
      const refused: string[] = []
      const deliver = async () => {
        const e = fakeEvent('customer.updated', { id: 'cus_down', object: 'customer' })
        const res = await postSigned(JSON.stringify(e), url)
        ;(res.status === 200 ? acknowledged : refused).push(e.id)
        return res.status
      }
      for (let i = 0; i < 5; i++) expect(await deliver()).toBe(200)
      await stopCluster(p)
      const whileDown = await Promise.all([1, 2, 3, 4, 5].map(deliver))
      expect(whileDown.every((s) => s === 503)).toBe(true)
      await startCluster(p)
      // Stripe retries: once the database is back, deliveries are acknowledged again.
      let status = 0
      for (const end = Date.now() + 60_000; status !== 200 && Date.now() < end;) {
        status = await deliver()
        if (status !== 200) await new Promise((r) => setTimeout(r, 200))
      }
      expect(status).toBe(200)
      const check = superuser(p)
      const stored = await check`select id from billing.stripe_events where id = any(${acknowledged})`
      const storedRefused = await check`select id from billing.stripe_events where id = any(${refused.slice(0, 5)})`
      await check.end()
      expect(stored.map((r) => r.id).sort()).toEqual([...acknowledged].sort())
      expect(storedRefused).toHaveLength(0)
    } finally {
      await down(p, { cluster: true })
    }
  })
})
