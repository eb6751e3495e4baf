// Seats follow membership: membership changes of a per-seat organization queue seats.quantity messages
// (the real triggers, in each change's own transaction), and the real worker brings the subscription's
// quantity to members + pending invitations in a private emulator: a burst of 50 costs one update, a
// failed update is retried and shown in ops.seat_syncs, and the mirror reflects Stripe afterwards.
import type Stripe from 'stripe'
import { emulatorClient } from '../../dev/stack/stripe.ts'
import { limitedStripe } from '../../supabase/functions/_shared/stripe/client.ts'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createGroupSyncer } from '../../supabase/functions/_shared/sync/syncer.ts'
import { runWorker } from '../../supabase/functions/_shared/sync/worker.ts'
import type { Bucket } from '../../supabase/functions/_shared/stripe/limiter.ts'
import { adminSql, uniq } from '../helpers/stack.ts'
import { ownBucket, startStripe, type EmulatedStripe } from '../helpers/stripe-emulator.ts'
import { shareProductClockForFile } from '../helpers/product-clock.ts'

// Invitations expire, and seats count pending ones, on the product's clock: no file moves it meanwhile.
shareProductClockForFile()

const sql = adminSql()
const limiterSql = adminSql()
let s: EmulatedStripe
let bucket: Bucket
let dropBucket: () => Promise<void>
let price: Stripe.Price
// Clients with a generous timeout (the helper's 1 s is short on a loaded machine).
let setupStripe: Stripe
const workerStripe = () => limitedStripe('sk_test_emulator', { sql: limiterSql, bucket }, { host: '127.0.0.1', port: s.running.port, protocol: 'http', timeout: 30_000 })
const queues: string[] = []
const orgs: string[] = []
const users: string[] = []

beforeAll(async () => {
  s = await startStripe()
  setupStripe = emulatorClient(s.running.port, { key: 'sk_test_emulator', timeout: 30_000 })
  ;({ bucket, drop: dropBucket } = await ownBucket(sql))
  const product = await setupStripe.products.create({ name: 'Team' })
  price = await setupStripe.prices.create({ product: product.id, nickname: 'Team per seat', unit_amount: 1200, currency: 'usd',
    recurring: { interval: 'month' }, metadata: { per_seat: 'true', seat_proration: 'none' } })
  // The mirror's catalogue, as the sync would write it (billing.price_is_per_seat reads it).
  await sql`insert into public.stripe_products (id, name, metadata, raw, stripe_fetched_at) values (${product.id}, 'Team', ${sql.json(product.metadata)}, '{}', now())`
  await sql`insert into public.stripe_prices (id, product_id, metadata, raw, stripe_fetched_at) values (${price.id}, ${product.id}, ${sql.json(price.metadata)}, '{}', now())`
})
afterAll(async () => {
  for (const q of queues) await sql`select pgmq.drop_queue(${q})`
  await sql`delete from public.organizations where id = any(${orgs})`
  await sql`delete from auth.users where id = any(${users})`
  if (price) await sql`delete from public.stripe_prices where id = ${price.id}`
  if (price) await sql`delete from public.stripe_products where id = ${price.product as string}`
  await dropBucket?.()
  await s.close()
  await limiterSql.end()
  await sql.end()
})

async function newUser(): Promise<string> {
  const [{ id }] = await sql`insert into auth.users (instance_id, id, aud, role, email, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
    values ('00000000-0000-0000-0000-000000000000', gen_random_uuid(), 'authenticated', 'authenticated', ${uniq('seat') + '@example.test'}, '{}', '{}', now(), now()) returning id`
  users.push(id)
  return id
}

/** A per-seat organization with its admin, subscribed in the emulator at quantity 1; and a queue of its own. */
async function perSeatOrg(): Promise<{ org: string; customer: string; sub: string; queue: string }> {
  const customer = await setupStripe.customers.create({ email: `${uniq('team')}@example.test`, payment_method: 'pm_card_visa',
    invoice_settings: { default_payment_method: 'pm_card_visa' } })
  const sub = await setupStripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id, quantity: 1 }] })
  const [{ id: org }] = await sql`insert into public.organizations (name, billing_status, stripe_customer_id, stripe_subscription_id)
    values (${uniq('Team')}, 'active', ${customer.id}, ${sub.id}) returning id`
  orgs.push(org)
  await sql`update public.organizations set price_id = ${price.id} where id = ${org}`
  await setupStripe.customers.update(customer.id, { metadata: { organization_id: org } })
  const queue = uniq('seatsq')
  queues.push(queue)
  await sql`select pgmq.create(${queue})`
  await change(queue, (tx) => tx`insert into public.organization_members (organization_id, user_id, role) select ${org}, ${users.at(-1)!}, 'admin'`, newUser)
  return { org, customer: customer.id, sub: sub.id, queue }
}

/**
 * One membership change in its own transaction; the seats.quantity message its trigger queued on
 * stripe_events moves to the test's queue in the same transaction, so the stack's worker never sees it.
 */
async function change(queue: string, write: (tx: any) => Promise<unknown>, before?: () => Promise<unknown>): Promise<void> {
  if (before) await before()
  await sql.begin(async (tx) => {
    await write(tx)
    const moved = await tx`with m as (delete from pgmq.q_stripe_events where message ->> 'type' = 'seats.quantity' and message ->> 'customer_id' in
        (select stripe_customer_id from public.organizations where id = any(${orgs})) returning message)
      select pgmq.send(${queue}::text, message, 0) from m`
    if (moved.length === 0) throw new Error('the membership change queued no seats.quantity message')
  })
}

const quantityInStripe = async (sub: string) => (await setupStripe.subscriptions.retrieve(sub)).items.data[0].quantity
const updatesOf = async (sub: string) => (await s.requests()).filter((r) => r.method === 'POST' && r.path === `/v1/subscriptions/${sub}`)

async function drain(queue: string, stripe: Stripe = workerStripe()) {
  for (let round = 0; round < 20; round++) {
    await runWorker(sql, createGroupSyncer({ sql, queue, stripe: { stripe } }), { queue, batchSize: 100 })
    const [{ n }] = await sql`select queue_length::int as n from pgmq.metrics(${queue})`
    if (n === 0) return
    await sql.unsafe(`update pgmq.q_${queue} set vt = now()`)
  }
  throw new Error(`queue ${queue} did not drain`)
}

describe('seats follow membership', () => {
  test('a burst of 50 membership changes ends with the right quantity in Stripe, in one update', async () => {
    const o = await perSeatOrg()
    const joiners = await Promise.all(Array.from({ length: 40 }, () => newUser()))
    const started = Date.now()
    // 40 joins, 10 invitations, all at once, each its own transaction.
    await Promise.all([
      ...joiners.map((u) => change(o.queue, (tx) => tx`insert into public.organization_members (organization_id, user_id) values (${o.org}, ${u})`)),
      ...Array.from({ length: 10 }, (_, i) => change(o.queue, (tx) => tx`insert into public.organization_invitations (organization_id, email, token_hash, expires_at)
        values (${o.org}, ${`invitee${i}-${o.org.slice(0, 8)}@example.test`}, encode(extensions.gen_random_bytes(32), 'hex'), now() + interval '7 days')`)),
    ])
    const [{ n: queued }] = await sql.unsafe(`select count(*)::int as n from pgmq.q_${o.queue}`)
    expect(queued, 'each change queued its own message (plus the admin joining)').toBe(51)
    await drain(o.queue)
    const matchedMs = Date.now() - started
    expect(await quantityInStripe(o.sub)).toBe(1 + 40 + 10)
    const updates = await updatesOf(o.sub)
    console.log(`seats burst: 50 membership changes → ${updates.length} Stripe subscription update(s); quantity matched ${matchedMs} ms after the burst began`)
    expect(updates, 'one update sets the final count').toHaveLength(1)
    // The mirror shows what Stripe has, through the customer sync the same group ran.
    const [mirror] = await sql`select raw #>> '{items,data,0,quantity}' as quantity from public.stripe_subscriptions where id = ${o.sub}`
    expect(mirror.quantity).toBe('51')
    const [row] = await sql`select change_seq - applied_seq as pending, applied_quantity, stripe_calls from billing.seat_syncs where organization_id = ${o.org}`
    expect(row).toEqual({ pending: '0', applied_quantity: 51, stripe_calls: 1 })

    // A change that leaves the count as it is (revoking one invitation, accepting... here: revoke then a
    // join) brings one more update with the new final count, and a replay of it calls nothing.
    await change(o.queue, (tx) => tx`update public.organization_invitations set revoked_at = now() where organization_id = ${o.org} and email like 'invitee0-%'`)
    await drain(o.queue)
    expect(await quantityInStripe(o.sub)).toBe(50)
    await sql`select pgmq.send(${o.queue}::text, billing.sync_queue_message('seats.quantity', ${o.customer}, ${o.org}), 0)`
    await drain(o.queue)
    expect(await updatesOf(o.sub), 'a count Stripe already has costs no update').toHaveLength(2)
  })

  test('a failed update is retried, shown in ops.seat_syncs meanwhile, and never blocked the change', async () => {
    const o = await perSeatOrg()
    const u = await newUser()
    await change(o.queue, (tx) => tx`insert into public.organization_members (organization_id, user_id) values (${o.org}, ${u})`)
    expect((await sql`select count(*)::int as n from public.organization_members where organization_id = ${o.org}`)[0].n, 'the join committed').toBe(2)
    const real = workerStripe()
    let failures = 1
    const flaky = new Proxy(real, {
      get(target, prop, receiver) {
        if (prop !== 'subscriptions') return Reflect.get(target, prop, receiver)
        return new Proxy(target.subscriptions, {
          get(subs, p, r) {
            if (p === 'update' && failures > 0) return async () => { failures--; throw Object.assign(new Error('emulated network failure'), { statusCode: 503 }) }
            return Reflect.get(subs, p, r)
          },
        })
      },
    }) as Stripe
    await runWorker(sql, createGroupSyncer({ sql, queue: o.queue, stripe: { stripe: flaky } }), { queue: o.queue, batchSize: 100 })
    const [ops] = await sql`select changes_pending, attempts, last_error from ops.seat_syncs where organization_id = ${o.org}`
    expect(ops).toMatchObject({ attempts: 1, last_error: 'emulated network failure' })
    expect(Number(ops.changes_pending)).toBeGreaterThan(0)
    expect(await quantityInStripe(o.sub)).toBe(1)
    await sql.unsafe(`update pgmq.q_${o.queue} set vt = now()`)
    await drain(o.queue, flaky)
    expect(await quantityInStripe(o.sub)).toBe(2)
    const [after] = await sql`select changes_pending, attempts, last_error from ops.seat_syncs where organization_id = ${o.org}`
    expect(after).toEqual({ changes_pending: '0', attempts: 0, last_error: null })
  })
})
