// billing._refresh_plan_limits finds the organizations on an organization id, a price or a product by
// index: it runs on every plan change and on every price or product Stripe sends, and a scan of every
// organization per call grew with the product's customers. Read with auto_explain (loaded in this
// session only), sequential scans disabled, so the plan shows whether an indexed one exists at all.
import postgres from 'postgres'
import { afterAll, expect, test } from 'vitest'
import { stackProfile, uniq } from '../helpers/stack.ts'

const plans: string[] = []
const sql = postgres(stackProfile.dbUrl, { max: 1, onnotice: (n) => plans.push(String(n.message)) })
afterAll(() => sql.end())

test.each([
  ['an organization', 'id', (v: string) => sql`select billing._refresh_plan_limits(${v === 'id' ? '00000000-0000-0000-0000-000000000000' : null}::uuid, null, null)`],
  ['a price', 'price', (v: string) => sql`select billing._refresh_plan_limits(null, ${uniq(v)}, null)`],
  ['a product', 'product', (v: string) => sql`select billing._refresh_plan_limits(null, null, ${uniq(v)})`],
])('a refresh for %s reads organizations by index, not by a scan of all of them', async (_, what, call) => {
  await sql`load 'auto_explain'`
  await sql`set auto_explain.log_min_duration = 0`
  await sql`set auto_explain.log_nested_statements = on`
  await sql`set auto_explain.log_level = notice`
  await sql`set enable_seqscan = off`
  plans.length = 0
  await call(what)
  await sql`reset enable_seqscan`
  await sql`set auto_explain.log_min_duration = -1`
  const update = plans.find((p) => p.includes('update public.organizations'))
  expect(update, plans.join('\n---\n')).toBeDefined()
  expect(update).not.toMatch(/Seq Scan on organizations/)
  expect(update).toMatch(/Index (Only )?Scan using (organizations_pkey|organizations_price_idx|organizations_product_idx)/)
})
