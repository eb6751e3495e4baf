// The demo catalogue `npm start` puts in the emulator: Starter and Pro, monthly and yearly, with plan
// limits in metadata (`limits.<name>`, read by public.plan_limits_for). Idempotent by lookup_key, so a
// restart (the emulator keeps its state in a snapshot) adds nothing.
import type Stripe from 'stripe'

export const CATALOG = [
  { lookup_key: 'starter_monthly', product: 'Starter', nickname: 'Starter monthly', unit_amount: 2900, interval: 'month', limits: { seats: '5', projects: '3' } },
  { lookup_key: 'pro_monthly', product: 'Pro', nickname: 'Pro monthly', unit_amount: 9900, interval: 'month', limits: { seats: '25', projects: 'unlimited' } },
  { lookup_key: 'pro_yearly', product: 'Pro', nickname: 'Pro yearly', unit_amount: 99000, interval: 'year', limits: { seats: '25', projects: 'unlimited' } },
] as const

export async function seedCatalog(stripe: Stripe): Promise<number> {
  const existing = await stripe.prices.list({ lookup_keys: CATALOG.map((c) => c.lookup_key), limit: 100 })
  const have = new Set(existing.data.map((p) => p.lookup_key))
  const products = new Map<string, string>()
  for (const p of existing.data) products.set((await stripe.products.retrieve(p.product as string)).name, p.product as string)
  let created = 0
  for (const c of CATALOG) {
    if (have.has(c.lookup_key)) continue
    let productId = products.get(c.product)
    if (!productId) {
      const metadata = Object.fromEntries(Object.entries(c.limits).map(([k, v]) => [`limits.${k}`, v]))
      productId = (await stripe.products.create({ name: c.product, metadata })).id
      products.set(c.product, productId)
    }
    await stripe.prices.create({ product: productId, unit_amount: c.unit_amount, currency: 'usd', recurring: { interval: c.interval }, nickname: c.nickname, lookup_key: c.lookup_key })
    created++
  }
  return created
}
