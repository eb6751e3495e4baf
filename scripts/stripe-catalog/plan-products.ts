// What it takes to make the account's products and prices match the catalogue. Products are the
// catalogue's by metadata `catalog_key` (an unmanaged active product of the same name is adopted);
// prices by lookup_key. A price's amount, currency, interval and product cannot change in Stripe, so a
// change there is a new price that takes over the lookup_key, and the old one is archived. Prices are
// never deleted.
import type Stripe from 'stripe'
import { priceMetadata, productMetadata, type Catalog, type CatalogPrice } from './catalog.ts'

export interface ApplyContext {
  stripe: Stripe
  /** Catalogue product key → Stripe product id, filled as products are found or created. */
  productIds: Map<string, string>
  log: (line: string) => void
}

export interface Change {
  /** One line of the plan: `+` create, `~` update, `↻` replace, `-` archive. */
  summary: string
  apply: (ctx: ApplyContext) => Promise<void>
}

export interface Account {
  products: Stripe.Product[]
  prices: Stripe.Price[]
}

export async function readAccount(stripe: Stripe): Promise<Account> {
  const [products, prices] = await Promise.all([
    stripe.products.list({ limit: 100 }).autoPagingToArray({ limit: 10_000 }),
    stripe.prices.list({ limit: 100 }).autoPagingToArray({ limit: 10_000 }),
  ])
  return { products, prices }
}

const money = (p: { unit_amount: number | null; currency: string; interval?: string; interval_count?: number }) =>
  `${((p.unit_amount ?? 0) / 100).toFixed(2)} ${p.currency} / ${p.interval_count && p.interval_count > 1 ? `${p.interval_count} ` : ''}${p.interval}`
const priceTerms = (p: Stripe.Price) => ({ unit_amount: p.unit_amount, currency: p.currency, interval: p.recurring?.interval, interval_count: p.recurring?.interval_count ?? 1 })

/** The catalogue-owned price metadata keys whose value differs (an empty value is an absent key). */
const seatDrift = (current: Stripe.Price, d: CatalogPrice) =>
  Object.entries(priceMetadata(d)).filter(([k, v]) => (current.metadata?.[k] ?? '') !== v).map(([k]) => k)

function createPrice(productKey: string, d: CatalogPrice, transfer: boolean) {
  return async ({ stripe, productIds }: ApplyContext) => {
    await stripe.prices.create({
      product: productIds.get(productKey)!, unit_amount: d.unit_amount, currency: d.currency, nickname: d.nickname,
      recurring: { interval: d.interval, interval_count: d.interval_count }, lookup_key: d.lookup_key, transfer_lookup_key: transfer,
      metadata: Object.fromEntries(Object.entries(priceMetadata(d)).filter(([, v]) => v !== '')),
    })
  }
}

export function planProducts(catalog: Catalog, account: Account, productIds: Map<string, string>): Change[] {
  const changes: Change[] = []
  const managed = new Set<string>()
  const wantedKeys = new Set(catalog.products.flatMap((p) => p.prices.map((x) => x.lookup_key)))
  const keep = new Set<string>() // prices that stay active (matched, or replaced and archived by their own change)
  for (const p of catalog.products) {
    const found = account.products.find((x) => x.metadata.catalog_key === p.key) ??
      account.products.find((x) => !x.metadata.catalog_key && x.active && x.name === p.name)
    const metadata = productMetadata(p)
    if (!found) {
      changes.push({ summary: `+ product ${p.key} "${p.name}"`, apply: async ({ stripe }) => {
        productIds.set(p.key, (await stripe.products.create({ name: p.name, description: p.description, metadata })).id)
      } })
    } else {
      managed.add(found.id)
      productIds.set(p.key, found.id)
      const stale = Object.keys(found.metadata).filter((k) => (k.startsWith('limits.') || k.startsWith('trial_') || k === 'catalog_key') && !(k in metadata))
      const fields = [
        ...(found.name !== p.name ? ['name'] : []),
        ...((found.description ?? undefined) !== p.description ? ['description'] : []),
        ...(!found.active ? ['active'] : []),
        ...Object.keys(metadata).filter((k) => found.metadata[k] !== metadata[k]).map((k) => `metadata.${k}`),
        ...stale.map((k) => `metadata.${k} (removed)`),
      ]
      if (fields.length > 0) {
        changes.push({ summary: `~ product ${p.key} (${found.id}): ${fields.join(', ')}`, apply: async ({ stripe }) => {
          await stripe.products.update(found.id, { name: p.name, description: p.description ?? '', active: true, metadata: { ...metadata, ...Object.fromEntries(stale.map((k) => [k, ''])) } })
        } })
      }
    }
    for (const d of p.prices) {
      const current = account.prices.find((x) => x.lookup_key === d.lookup_key)
      if (!current) {
        changes.push({ summary: `+ price ${d.lookup_key}: ${money(d)}`, apply: createPrice(p.key, d, false) })
        continue
      }
      keep.add(current.id)
      const was = priceTerms(current)
      const moved = !found || current.product !== found.id
      if (moved || was.unit_amount !== d.unit_amount || was.currency !== d.currency || was.interval !== d.interval || was.interval_count !== d.interval_count) {
        changes.push({
          summary: `↻ price ${d.lookup_key}: ${money({ ...was, interval: was.interval ?? 'once' })} → ${money(d)}${moved ? ` on product ${p.key}` : ''} (a new price takes the lookup_key; ${current.id} is archived)`,
          apply: async (ctx) => {
            await createPrice(p.key, d, true)(ctx)
            await ctx.stripe.prices.update(current.id, { active: false })
          },
        })
      } else if (current.nickname !== d.nickname || !current.active || seatDrift(current, d).length > 0) {
        const fields = [...(current.nickname !== d.nickname ? ['nickname'] : []), ...(!current.active ? ['active'] : []), ...seatDrift(current, d).map((k) => `metadata.${k}`)]
        changes.push({ summary: `~ price ${d.lookup_key} (${current.id}): ${fields.join(', ')}`, apply: async ({ stripe }) => {
          await stripe.prices.update(current.id, { nickname: d.nickname, active: true, metadata: priceMetadata(d) })
        } })
      }
    }
  }
  // Products the catalogue no longer lists, and prices of its products it no longer lists: archived.
  const keys = new Set(catalog.products.map((p) => p.key))
  for (const x of account.products.filter((x) => x.active && x.metadata.catalog_key && !keys.has(x.metadata.catalog_key))) {
    managed.add(x.id)
    changes.push({ summary: `- archive product ${x.metadata.catalog_key} (${x.id})`, apply: async ({ stripe }) => void (await stripe.products.update(x.id, { active: false })) })
  }
  for (const x of account.prices.filter((x) => x.active && managed.has(x.product as string) && !keep.has(x.id))) {
    if (x.lookup_key && wantedKeys.has(x.lookup_key)) continue
    changes.push({ summary: `- archive price ${x.lookup_key ?? '(no lookup_key)'} (${x.id})`, apply: async ({ stripe }) => void (await stripe.prices.update(x.id, { active: false })) })
  }
  return changes
}
