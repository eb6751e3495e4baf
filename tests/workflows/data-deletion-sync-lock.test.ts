// Deleting an organization's personal data waits for a sync of one of its customers in flight: it takes
// the sync's per-customer lock first (migration 20261204100000). Otherwise the sync, which read the events'
// payloads at its peek and fetched the person from Stripe, would hand them to the workflows and write them
// into the mirror after the deletion erased them. And a late event of such a customer keeps no payload once
// synced. Own emulator, queue and bucket.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { readBatch } from '../../supabase/functions/_shared/sync/queue.ts'
import { groupMessages } from '../../supabase/functions/_shared/sync/groups.ts'
import { createGroupSyncer } from '../../supabase/functions/_shared/sync/syncer.ts'
import { adminSql, uniq } from '../helpers/stack.ts'
import { beforeCustomerRetrieve, ownStripe, queueEvents } from '../helpers/stripe-emulator.ts'

const sql = adminSql()
const other = adminSql()
const limiterSql = adminSql()
const queue = uniq('delq')
let own: Awaited<ReturnType<typeof ownStripe>>
beforeAll(async () => {
  own = await ownStripe(other)
  await other`select pgmq.create(${queue})`
})
afterAll(async () => {
  await other`select pgmq.drop_queue(${queue})`
  await own?.close()
  for (const c of [limiterSql, other, sql]) await c.end()
})

const deleteData = (org: string) => other<{ deleted: boolean }[]>`select billing.service_role_delete_organization_data(${org}::uuid) as deleted`

test('the deletion waits for a sync of its customer in flight, then erases what that sync wrote', { timeout: 30_000 }, async () => {
  const org = randomUUID()
  const email = `${uniq('inflight')}@example.test`
  const { s, bucket } = own
  const customer = await s.stripe.customers.create({ email, name: 'In Flight', metadata: { organization_id: org } })
  await other`insert into public.organizations (id, name, billing_email, stripe_customer_id) values (${org}, 'In flight', ${email}, ${customer.id})`
  // Mirrored long before (a deletion comes 30 days after the subscription ended).
  await other`insert into public.stripe_customers (id, organization_id, email, raw, stripe_fetched_at)
    values (${customer.id}, ${org}, ${email}, '{}', now() - interval '40 days')`
  await queueEvents(other, queue, s.eventsOf(customer.id).filter((e) => e.type === 'customer.created'))
  // The sync holds the customer's lock from its peek until it commits; it is kept in its Stripe call here.
  let fetching!: () => void
  const fetched = new Promise<void>((r) => fetching = r)
  let release!: () => void
  const gate = new Promise<void>((r) => release = r)
  const stripe = beforeCustomerRetrieve(s.limited(limiterSql, bucket), async () => {
    fetching()
    await gate
  })
  const syncer = createGroupSyncer({ sql, queue, stripe: { stripe } })
  const [group] = groupMessages((await readBatch(other, queue, 1, 30, { settleMs: 0, maxWaitMs: 0, since: null })).messages)
  const syncing = syncer(group)
  try {
    await fetched
    // While the sync is in flight the deletion cannot go ahead (it would otherwise finish at once).
    await expect(other.begin(async (tx) => {
      await tx`set local lock_timeout = '300ms'`
      await tx`select billing.service_role_delete_organization_data(${org}::uuid)`
    })).rejects.toThrow(/lock timeout/)
    const [{ deleted_at }] = await other`select deleted_at from public.organizations where id = ${org}`
    expect(deleted_at).toBeNull()
  } finally {
    release()
  }
  await syncing
  const [synced] = await other`select email from public.stripe_customers where id = ${customer.id}`
  expect(synced.email).toBe(email)
  // After the sync committed: the deletion goes ahead and erases what it wrote.
  expect((await deleteData(org))[0].deleted).toBe(true)
  const [erased] = await other`select email, name, raw from public.stripe_customers where id = ${customer.id}`
  expect(erased).toEqual({ email: null, name: null, raw: null })
})

test("a late event of a deleted organization's customer keeps no payload once synced, and the mirror no person", { timeout: 30_000 }, async () => {
  const { s, bucket } = own
  const org = randomUUID()
  const email = `${uniq('late')}@example.test`
  const customer = await s.stripe.customers.create({ email, name: 'Late', metadata: { organization_id: org } })
  await other`insert into public.organizations (id, name, billing_email, stripe_customer_id) values (${org}, 'Late', ${email}, ${customer.id})`
  await other`insert into public.stripe_customers (id, organization_id, email, raw, stripe_fetched_at)
    values (${customer.id}, ${org}, ${email}, '{}', now() - interval '40 days')`
  expect((await deleteData(org))[0].deleted).toBe(true)
  // Stripe still has the customer: an update to it arrives after the deletion.
  await s.stripe.customers.update(customer.id, { name: 'Late Again' })
  const late = await queueEvents(other, queue, s.eventsOf(customer.id).filter((e) => e.type === 'customer.updated'))
  const [before] = await other`select payload::text as payload from billing.stripe_events where id = ${late[0]}`
  expect(before.payload).toContain(email)
  const syncer = createGroupSyncer({ sql, queue, stripe: { stripe: s.limited(limiterSql, bucket) } })
  for (const g of groupMessages((await readBatch(other, queue, 10, 30, { settleMs: 0, maxWaitMs: 0, since: null })).messages)) await syncer(g)
  const [after] = await other`select status, payload from billing.stripe_events where id = ${late[0]}`
  expect(after).toEqual({ status: 'processed', payload: { id: late[0], type: 'customer.updated', redacted: true } })
  const [mirror] = await other`select email, name, raw from public.stripe_customers where id = ${customer.id}`
  expect(mirror).toEqual({ email: null, name: null, raw: null })
})
