// Plan limits have one reading: SQL's public.plan_limits_for. The plan chooser's plans (the billing
// function's overview) and an organization's plan_limits both come from it, for every form a limit takes.
import { afterAll, describe, expect, test } from 'vitest'
import { plans } from '../../supabase/functions/_shared/billing/overview.ts'
import { adminSql, uniq } from '../helpers/stack.ts'

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
