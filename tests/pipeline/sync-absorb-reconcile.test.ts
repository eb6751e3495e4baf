// Two guards of the sync that the other pipeline tests cannot see: absorbing a customer's queued messages
// only when the fetch covers them, and reconciliation through stripe-sync's `reconcile` mode, across
// more than one page of Stripe's Events API. Each test has an emulator and a queue of its own.
import type Stripe from 'stripe'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { handleSyncRequest } from '../../supabase/functions/_shared/pipeline/handler.ts'
import { createGroupSyncer } from '../../supabase/functions/_shared/sync/syncer.ts'
import { adminSql, keys, uniq } from '../helpers/stack.ts'
import { ownBucket, startStripe, type EmulatedStripe } from '../helpers/stripe-emulator.ts'
import type { Bucket } from '../../supabase/functions/_shared/stripe/limiter.ts'

const sql = adminSql()
const limiterSql = adminSql()
const queues: string[] = []
const emulators: EmulatedStripe[] = []
const recorded: string[] = []
let bucket: Bucket
let dropBucket: () => Promise<void>
beforeAll(async () => {
  process.env.SUPABASE_SERVICE_ROLE_KEY = keys.serviceRole
  ;({ bucket, drop: dropBucket } = await ownBucket(sql))
})
afterAll(async () => {
  for (const q of queues) await sql`select pgmq.drop_queue(${q})`
  // Events recorded with the enqueue trigger off would stay `received` in the shared inbox.
  await sql`delete from billing.stripe_events where id = any(${recorded})`
  for (const e of emulators) await e.close()
  await dropBucket?.()
  await limiterSql.end()
  await sql.end()
})

async function emulator(): Promise<EmulatedStripe> {
  const s = await startStripe()
  emulators.push(s)
  return s
}

async function newQueue(): Promise<string> {
  const q = uniq('absorbq')
  queues.push(q)
  await sql`select pgmq.create(${q})`
  return q
}

const queuedEventIds = async (q: string) =>
  (await sql.unsafe(`select message ->> 'event_id' as id from pgmq.q_${q} order by msg_id`)).map((r) => r.id as string)

describe('absorbing queued messages of the customer being synced', () => {
  test('a message queued before the fetch is absorbed; one queued during the fetch is left on the queue', async () => {
    const s = await emulator()
    const customer = await s.stripe.customers.create({ email: `${uniq('absorb')}@example.test`, name: 'Absorb Co' })
    const q = await newQueue()
    const before = uniq('evt_before')
    const during = uniq('evt_during')
    await sql`select pgmq.send(${q}::text, billing.sync_queue_message('customer.updated', ${customer.id}, ${customer.id}, ${before}), 0)`
    await new Promise((r) => setTimeout(r, 50))
    // The customer is retrieved after the sync peeked at (and locked) the messages its fetch covers: a
    // message sent now was not covered by the fetch. Its visibility time is in the past, so only the peek's
    // choice keeps it out (a `vt <= now()` condition at the write would let it through).
    const stripe = new Proxy(s.limited(limiterSql, bucket), {
      get(target, prop, receiver) {
        if (prop !== 'customers') return Reflect.get(target, prop, receiver)
        return {
          retrieve: async (id: string) => {
            await sql`select pgmq.send(${q}::text, billing.sync_queue_message('customer.updated', ${customer.id}, ${customer.id}, ${during}), now() - interval '1 minute')`
            return target.customers.retrieve(id)
          },
        }
      },
    }) as Stripe
    const sync = createGroupSyncer({ sql, queue: q, stripe: { stripe } })
    await sync({ key: `customer:${customer.id}`, target: { kind: 'customer', customerId: customer.id }, messages: [], eventIds: [] })
    expect(await queuedEventIds(q)).toEqual([during])
    const [row] = await sql`select name from public.stripe_customers where id = ${customer.id}`
    expect(row.name).toBe('Absorb Co')
  })
})

describe('stripe-sync in reconcile mode', () => {
  const reconcileRequest = (days: number) =>
    new Request('http://local/stripe-sync', {
      method: 'POST',
      headers: { authorization: `Bearer ${keys.serviceRole}`, 'content-type': 'application/json' },
      body: JSON.stringify({ mode: 'reconcile', days, trigger: 'test' }),
    })

  test('records every event of the last days the inbox lacks, across more than one page of 100', { timeout: 60_000 }, async () => {
    const s = await emulator()
    for (let i = 0; i < 104; i++) await s.stripe.products.create({ name: `Reconciled ${i}` })
    const events = s.running.emu.all('event').map((e) => e.id as string)
    expect(events).toHaveLength(104)
    recorded.push(...events)
    // The first event is already in the inbox (its webhook arrived); it is the oldest, on the second page.
    const conn = await sql.reserve()
    try {
      // Recorded without the enqueue trigger: the stack's worker would fetch these products from its own emulator.
      await conn`set session_replication_role = replica`
      await conn`insert into billing.stripe_events (id, type, livemode, created, payload, verified_by)
        values (${events[0]}, 'product.created', false, now(), '{}', 'test')`
      const res = await handleSyncRequest(reconcileRequest(3), {
        sql: conn as never,
        stripe: () => ({ stripe: s.limited(limiterSql, bucket) }),
        syncer: () => {
          throw new Error('reconcile does not drain the queue')
        },
        workflows: [],
      })
      expect(res.status).toBe(200)
      const body = await res.json()
      expect(body).toMatchObject({ mode: 'reconcile', listed: 104, invalid: [] })
      expect([...body.recorded].sort()).toEqual(events.slice(1).sort())
      expect(body.sync).toBeUndefined()
      const rows = await sql`select verified_by, count(*)::int as n from billing.stripe_events where id = any(${events}) group by 1 order by 1`
      expect(rows).toEqual([{ verified_by: 'events-api', n: 103 }, { verified_by: 'test', n: 1 }])
    } finally {
      await conn`reset session_replication_role`
      conn.release()
    }
  })
})
