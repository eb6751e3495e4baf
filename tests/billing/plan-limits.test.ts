// Plan limits have one reading: SQL's public.plan_limits_for. The plan chooser's plans (the billing
// function's overview) and an organization's plan_limits both come from it, for every form a limit takes;
// the overview's usage ("3 of 5 seats") is public.plan_usage read as the caller.
import { afterAll, describe, expect, test } from 'vitest'
import { overview, plans } from '../../supabase/functions/_shared/billing/overview.ts'
import { adminSql, uniq } from '../helpers/stack.ts'
import { shareProductClockForFile } from '../helpers/product-clock.ts'

// Invitations expire, and seats count pending ones, on the product's clock: no file moves it meanwhile.
shareProductClockForFile()

const sql = adminSql()
afterAll(() => sql.end())

const productMeta = { 'limits.seats': '10', 'limits.projects': 'unlimited', 'limits.sso': 'true', 'limits.audit': 'false', 'limits.storage_gb': '2.5', 'limits.tier': 'gold', 'limits.api': '5' }
// The price's own limits win over the product's.
const priceMeta = { 'limits.api': 'UNLIMITED' }
const want = { seats: 10, projects: null, sso: true, audit: false, storage_gb: 2.5, tier: 'gold', api: null }

describe('plan limits', () => {
  test('the plans offered and an organization on that plan read every limit form the same way', async () => {
    const product = uniq('prod')
    const price = uniq('price')
    // Only in the mirror (Stripe has no such price): the dearest yearly plan, so that no other file's
    // "first plan" is this one, and gone again at the end.
    await sql`select billing.service_role_apply_product(${sql.json({ id: product, object: 'product', name: 'Limits Co plan', active: true, metadata: productMeta })}, now())`
    await sql`select billing.service_role_apply_price(${sql.json({ id: price, object: 'price', product, active: true, currency: 'usd', unit_amount: 999_999_900,
      recurring: { interval: 'year', interval_count: 1 }, metadata: priceMeta })}, now())`
    try {
      const offered = (await plans(sql)).find((p) => p.price_id === price)
      expect(offered?.limits).toEqual(want)
      const [org] = await sql`insert into public.organizations (name) values ('Limits Co') returning id`
      await sql`update public.organizations set price_id = ${price} where id = ${org.id}`
      const [{ plan_limits }] = await sql`select plan_limits from public.organizations where id = ${org.id}`
      expect(plan_limits).toEqual(want)
    } finally {
      await sql`delete from public.organizations where price_id = ${price}`
      await sql`delete from public.stripe_prices where id = ${price}`
      await sql`delete from public.stripe_products where id = ${product}`
    }
  })
})

describe('plan usage in the overview', () => {
  test('a member reads seats and projects in use against the plan; a user of another organization reads nothing', async () => {
    const product = uniq('prod')
    const price = uniq('price')
    await sql`insert into public.stripe_products (id, name, metadata, raw, stripe_fetched_at) values (${product}, 'Usage', ${sql.json({ 'limits.seats': '5', 'limits.projects': 'unlimited' })}, '{}', now())`
    await sql`insert into public.stripe_prices (id, product_id, metadata, raw, stripe_fetched_at) values (${price}, ${product}, '{}', '{}', now())`
    const users = await sql<{ id: string }[]>`insert into auth.users (instance_id, id, aud, role, email, created_at, updated_at)
      select '00000000-0000-0000-0000-000000000000', gen_random_uuid(), 'authenticated', 'authenticated', ${uniq('usage')} || n || '@example.test', now(), now()
      from generate_series(1, 3) n returning id`
    const [org] = await sql`insert into public.organizations (name, billing_status) values (${uniq('Usage Co')}, 'active') returning id`
    const [other] = await sql`insert into public.organizations (name) values (${uniq('Other Co')}) returning id`
    try {
      await sql`update public.organizations set price_id = ${price} where id = ${org.id}`
      await sql`insert into public.organization_members (organization_id, user_id, role) values (${org.id}, ${users[0].id}, 'admin'), (${org.id}, ${users[1].id}, 'member'),
        (${other.id}, ${users[2].id}, 'admin')`
      await sql`insert into public.organization_invitations (organization_id, email, token_hash, expires_at)
        values (${org.id}, ${uniq('pending') + '@example.test'}, encode(extensions.gen_random_bytes(32), 'hex'), now() + interval '7 days')`
      await sql`insert into public.projects (organization_id, name) select ${org.id}, 'P' || n from generate_series(1, 7) n`
      const caller = (id: string) => ({ userId: id, email: null, claims: { sub: id, role: 'authenticated' } })
      const seen = await overview(sql, caller(users[1].id), org.id)
      expect(seen.usage).toEqual([{ name: 'seats', in_use: 3, limit: 5, over_by: 0 }, { name: 'projects', in_use: 7, limit: null, over_by: 0 }])
      await expect(overview(sql, caller(users[2].id), org.id)).rejects.toMatchObject({ status: 404 })
    } finally {
      await sql`delete from public.organizations where id in (${org.id}, ${other.id})`
      await sql`delete from auth.users where id = any(${users.map((u) => u.id)})`
      await sql`delete from public.stripe_prices where id = ${price}`
      await sql`delete from public.stripe_products where id = ${product}`
    }
  })
})
