// Products: create (optionally with a chosen id), retrieve, update, list, delete.
import type Stripe from 'stripe'
import { shape } from '../shape.ts'
import { invalid, required } from '../errors.ts'
import { bool, page } from '../list.ts'
import { mergeMetadata, nullable, route, str, update, type Route } from './common.ts'

export const productRoutes: Route[] = [
  route('POST', '/v1/products', (emu, p) => {
    const name = str(p.name, 'name', 250)
    if (!name) throw required('name')
    if (p.id !== undefined && emu.find(p.id)) throw invalid(`Product already exists.`, 'id', 'resource_already_exists')
    const product = shape('product', {
      id: p.id ?? emu.newId('prod', 14),
      object: 'product',
      name,
      description: nullable(p.description, 'description') ?? null,
      active: bool(p.active, 'active') ?? true,
      metadata: mergeMetadata({}, p.metadata),
      created: emu.now(),
      updated: emu.now(),
      images: [],
      marketing_features: [],
      default_price: null,
      url: null,
    } satisfies Partial<Stripe.Product>)
    emu.put('product', product)
    emu.emit('product.created', product)
    return product
  }),
  route('GET', '/v1/products/:id', (emu, _p, [id]) => {
    const product = emu.get('product', id, 'product')
    return product.deleted ? { id, object: 'product', deleted: true } : product
  }),
  route('POST', '/v1/products/:id', (emu, p, [id]) => {
    const product = emu.get('product', id, 'product')
    const active = bool(p.active, 'active')
    if (p.name !== undefined && !str(p.name, 'name', 250)) throw invalid('name cannot be empty', 'name')
    return update(emu, product, (o) => {
      if (p.name !== undefined) o.name = p.name
      if (p.description !== undefined) o.description = p.description || null
      if (active !== undefined) o.active = active
      o.metadata = mergeMetadata(o.metadata, p.metadata)
      o.updated = emu.now()
    }, 'product.updated')
  }),
  route('DELETE', '/v1/products/:id', (emu, _p, [id]) => {
    const product = emu.get('product', id, 'product')
    if (emu.all('price').some((price) => price.product === id)) {
      throw invalid('This product cannot be deleted because it has one or more user-created prices.', 'id', 'product_has_prices')
    }
    emu.emit('product.deleted', product)
    product.deleted = true
    return { id, object: 'product', deleted: true }
  }),
  route('GET', '/v1/products', (emu, p) => {
    const active = bool(p.active, 'active')
    const ids = Array.isArray(p.ids) ? p.ids : null
    const items = emu.all('product').filter((o) => !o.deleted && (active === undefined || o.active === active) && (!ids || ids.includes(o.id)))
    return page(emu, '/v1/products', items, p)
  }),
]
