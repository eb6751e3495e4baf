// What the product reads from a Stripe object must be a field Stripe's spec has: every JSON path the
// database's mirror functions read from a fetched customer, subscription, item, invoice, price or
// product (as they stand after every migration) is looked up in the spec's schema for that object.
import { afterAll, expect, test } from 'vitest'
import { adminSql } from '../helpers/stack.ts'
import { loadSpec, type Schema } from '../../dev/stripe-emulator/contract/spec.ts'
import { subscriptionOfInvoice } from '../../supabase/functions/_shared/workflows/billing/payment-failed.ts'

const sql = adminSql()
afterAll(() => sql.end())

/** The Stripe object each variable of the mirror functions holds (or its deleted form: `deleted: true`). */
const HOLDS: Record<string, string[]> = {
  p_customer: ['customer', 'deleted_customer'], v_sub: ['subscription'], v_item: ['subscription_item'], v_inv: ['invoice'],
  p_price: ['price', 'deleted_price'], p_product: ['product', 'deleted_product'],
}

function has(node: Schema | undefined, path: string[]): boolean {
  const schemas = loadSpec().raw.components.schemas as Record<string, Schema>
  if (!node) return false
  if (node.$ref) return has(schemas[node.$ref.split('/').pop()!], path)
  if (node.anyOf) return node.anyOf.some((b: Schema) => has(b, path))
  if (path.length === 0) return true
  const [seg, ...rest] = path
  if (node.type === 'array') return /^\d+$/.test(seg) && has(node.items, rest)
  if (node.properties?.[seg]) return has(node.properties[seg], rest)
  return typeof node.additionalProperties === 'object' && has(node.additionalProperties, rest)
}

/** `v_inv ->> 'number'`, `v_item #> '{price,product}'`: the variable and the path it reads. */
function readsOf(source: string): { variable: string; path: string[] }[] {
  const reads: { variable: string; path: string[] }[] = []
  for (const m of source.matchAll(/\b([pv]_[a-z]+)\s*(#>>?|->>?)\s*'([^']*)'/g)) {
    if (!HOLDS[m[1]]) continue
    reads.push({ variable: m[1], path: m[2].startsWith('#') ? m[3].replace(/[{}]/g, '').split(',') : [m[3]] })
  }
  return reads
}

test('the mirror functions read only fields that Stripe spec has for the object they read', async () => {
  const functions = await sql<{ name: string; source: string }[]>`
    select p.proname as name, p.prosrc as source from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname = 'billing' and (starts_with(p.proname, 'service_role_apply') or starts_with(p.proname, '_apply_') or starts_with(p.proname, '_refresh'))`
  const reads = functions.flatMap((f) => readsOf(f.source).map((r) => ({ ...r, fn: f.name })))
  expect(reads.length).toBeGreaterThan(40)
  const schemas = loadSpec().raw.components.schemas as Record<string, Schema>
  const unknown = reads.filter((r) => !HOLDS[r.variable].some((name) => has(schemas[name], r.path))).map((r) => `${r.fn}: ${HOLDS[r.variable][0]}.${r.path.join('.')}`)
  expect([...new Set(unknown)]).toEqual([])
})

test('the path check finds a field the spec does not have', () => {
  const schemas = loadSpec().raw.components.schemas as Record<string, Schema>
  expect(readsOf("coalesce(v_item -> 'current_period_end', v_sub #>> '{items,data,0,id}')")).toEqual([{ variable: 'v_item', path: ['current_period_end'] }, { variable: 'v_sub', path: ['items', 'data', '0', 'id'] }])
  expect(has(schemas.subscription, ['items', 'data', '0', 'current_period_end'])).toBe(true)
  expect(has(schemas.customer, ['metadata', 'user_id'])).toBe(true)
  expect(has(schemas.subscription, ['current_period_end'])).toBe(false)
  expect(has(schemas.invoice, ['subscription'])).toBe(false)
})

test("an invoice's subscription is read where the pinned API has it (parent), never from a field the spec lacks", () => {
  const schemas = loadSpec().raw.components.schemas as Record<string, Schema>
  expect(has(schemas.invoice, ['parent', 'subscription_details', 'subscription'])).toBe(true)
  expect(subscriptionOfInvoice({ id: 'in_1', parent: { subscription_details: { subscription: 'sub_1' } } } as never)).toBe('sub_1')
  expect(subscriptionOfInvoice({ id: 'in_2', parent: null, subscription: 'sub_legacy' } as never)).toBeNull()
})
