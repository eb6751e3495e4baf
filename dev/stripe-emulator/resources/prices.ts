// Prices: one-off or recurring (day/week/month/year), with nickname, lookup_key and metadata
// (the product reads plan limits from metadata). Stripe prices cannot be deleted, only deactivated.
import type Stripe from 'stripe'
import { shape, type Obj } from '../shape.ts'
import type { Emulator } from '../emulator.ts'
import { invalid, required } from '../errors.ts'
import { bool, expand, expandPaths, int, page } from '../list.ts'
import { mergeMetadata, nullable, oneOf, route, str, update, type Route } from './common.ts'

function createPrice(emu: Emulator, p: Record<string, any>): Obj {
  let productId: string | undefined = p.product
  if (!productId && !p.product_data) throw required('product')
  if (productId) {
    const product = emu.get('product', productId, 'product', 'product')
    if (product.deleted) throw invalid(`No such product: '${productId}'`, 'product', 'resource_missing')
  }
  const currency = str(p.currency, 'currency')?.toLowerCase()
  if (!currency || !/^[a-z]{3}$/.test(currency)) throw currency ? invalid(`Invalid currency: ${currency}`, 'currency') : required('currency')
  const unitAmount = int(p.unit_amount, 'unit_amount')
  if (unitAmount === undefined) throw required('unit_amount')
  if (unitAmount < 0) throw invalid('unit_amount must be at least 0', 'unit_amount')
  let recurring: Stripe.Price.Recurring | null = null
  if (p.recurring) {
    const interval = oneOf(p.recurring.interval, ['day', 'week', 'month', 'year'] as const, 'recurring[interval]')
    if (!interval) throw required('recurring[interval]')
    const count = int(p.recurring.interval_count, 'recurring[interval_count]') ?? 1
    if (count < 1 || (interval === 'year' && count > 3) || (interval === 'month' && count > 36)) throw invalid('Invalid interval_count', 'recurring[interval_count]')
    recurring = { interval, interval_count: count, meter: null, usage_type: 'licensed' } as Stripe.Price.Recurring
  }
  const lookupKey = nullable(p.lookup_key, 'lookup_key') ?? null
  if (lookupKey) {
    const taken = emu.all('price').find((o) => o.lookup_key === lookupKey)
    if (taken && bool(p.transfer_lookup_key, 'transfer_lookup_key') !== true) {
      throw invalid(`A price (\`${taken.id}\`) already uses that lookup key.`, 'lookup_key', 'lookup_key_already_exists')
    }
    if (taken) update(emu, taken, (o) => (o.lookup_key = null), 'price.updated')
  }
  if (!productId) {
    const name = str(p.product_data.name, 'product_data[name]')
    if (!name) throw required('product_data[name]')
    const product = shape('product', {
      id: emu.newId('prod', 14), object: 'product', name, active: true, created: emu.now(), updated: emu.now(), images: [],
      marketing_features: [], metadata: mergeMetadata({}, p.product_data.metadata), description: null, url: null,
    } satisfies Partial<Stripe.Product>)
    emu.put('product', product)
    emu.emit('product.created', product)
    productId = product.id
  }
  const price = shape('price', {
    id: emu.newId('price'),
    object: 'price',
    active: bool(p.active, 'active') ?? true,
    billing_scheme: 'per_unit',
    created: emu.now(),
    currency,
    custom_unit_amount: null,
    lookup_key: lookupKey,
    metadata: mergeMetadata({}, p.metadata),
    nickname: nullable(p.nickname, 'nickname') ?? null,
    product: productId,
    recurring,
    tax_behavior: 'unspecified',
    tiers_mode: null,
    transform_quantity: null,
    type: recurring ? 'recurring' : 'one_time',
    unit_amount: unitAmount,
    // JSON carries decimals as strings; the package types them as its Decimal class.
    unit_amount_decimal: String(unitAmount) as unknown as Stripe.Price['unit_amount_decimal'],
  } satisfies Partial<Stripe.Price>)
  emu.put('price', price)
  emu.emit('price.created', price)
  return price
}

export const priceRoutes: Route[] = [
  route('POST', '/v1/prices', (emu, p) => expand(emu, createPrice(emu, p), expandPaths(p))),
  route('GET', '/v1/prices/:id', (emu, p, [id]) => expand(emu, emu.get('price', id, 'price'), expandPaths(p))),
  route('POST', '/v1/prices/:id', (emu, p, [id]) => {
    const price = emu.get('price', id, 'price')
    const active = bool(p.active, 'active')
    const lookupKey = p.lookup_key === undefined ? undefined : nullable(p.lookup_key, 'lookup_key') ?? null
    // A lookup key is unique: taking one from another price needs transfer_lookup_key, as in Stripe.
    const holder = lookupKey ? emu.all('price').find((o) => o.lookup_key === lookupKey && o.id !== price.id) : undefined
    if (holder && bool(p.transfer_lookup_key, 'transfer_lookup_key') !== true) {
      throw invalid(`A price (\`${holder.id}\`) already uses that lookup key.`, 'lookup_key', 'lookup_key_already_exists')
    }
    if (holder) update(emu, holder, (o) => (o.lookup_key = null), 'price.updated')
    return expand(emu, update(emu, price, (o) => {
      if (active !== undefined) o.active = active
      if (p.nickname !== undefined) o.nickname = p.nickname || null
      if (lookupKey !== undefined) o.lookup_key = lookupKey
      o.metadata = mergeMetadata(o.metadata, p.metadata)
    }, 'price.updated'), expandPaths(p))
  }),
  route('GET', '/v1/prices', (emu, p) => {
    const active = bool(p.active, 'active')
    const keys = p.lookup_keys === undefined ? null : Array.isArray(p.lookup_keys) ? p.lookup_keys : [p.lookup_keys]
    const items = emu.all('price').filter((o) =>
      (active === undefined || o.active === active) && (!p.product || o.product === p.product) && (!p.type || o.type === p.type) &&
      (!p.currency || o.currency === p.currency) && (!keys || keys.includes(o.lookup_key)) &&
      (!p.recurring?.interval || o.recurring?.interval === p.recurring.interval))
    return page(emu, '/v1/prices', items, p)
  }),
]
