// Billing portal configurations (create, retrieve, update, list), to Stripe's contract: `features`
// sections merge on update, enums are checked, products and prices offered for plan changes must
// exist. The account's default configuration (`bpc_emulator_default`, what portal sessions use when
// none is given) exists from the start, as on an account whose portal is activated.
import type { Obj } from '../shape.ts'
import type { Emulator } from '../emulator.ts'
import { invalid } from '../errors.ts'
import { bool, page } from '../list.ts'
import { mergeMetadata, nullable, oneOf, route, update, type Route } from './common.ts'

export const DEFAULT_PORTAL_CONFIGURATION = 'bpc_emulator_default'
const TYPE = 'billing_portal.configuration'

const list = (v: unknown): unknown[] => (v === '' || v === undefined ? [] : Array.isArray(v) ? v : [v])

function enumList<T extends string>(v: unknown, allowed: readonly T[], param: string): T[] {
  return list(v).map((x, i) => oneOf(x, allowed, `${param}[${i}]`)!)
}

function blank(emu: Emulator, id: string, isDefault: boolean): Obj {
  return {
    id, object: TYPE, active: true, application: null, created: emu.now(), updated: emu.now(), is_default: isDefault, livemode: false, name: null, metadata: {},
    business_profile: { headline: null, privacy_policy_url: null, terms_of_service_url: null }, default_return_url: null, login_page: { enabled: false, url: null },
    features: {
      customer_update: { allowed_updates: [], enabled: false },
      invoice_history: { enabled: false },
      payment_method_update: { enabled: false, payment_method_configuration: null },
      subscription_cancel: { cancellation_reason: { enabled: false, options: [] }, enabled: false, mode: 'at_period_end', proration_behavior: 'none' },
      subscription_update: { billing_cycle_anchor: null, default_allowed_updates: [], enabled: false, products: [], proration_behavior: 'none', schedule_at_period_end: { conditions: [] }, trial_update_behavior: 'end_trial' },
    },
  }
}

/** Creates the account's default configuration on first use (and after a reset). */
export function ensureDefault(emu: Emulator): void {
  if (emu.find(DEFAULT_PORTAL_CONFIGURATION)) return
  const c = blank(emu, DEFAULT_PORTAL_CONFIGURATION, true)
  // What the emulator's portal page offers (pages/portal.ts).
  applyFeatures(emu, c, { invoice_history: { enabled: 'true' }, payment_method_update: { enabled: 'true' }, subscription_cancel: { enabled: 'true' } })
  emu.put(TYPE, c)
}

function applyFeatures(emu: Emulator, c: Obj, f: Record<string, any> | undefined): void {
  if (f === undefined) return
  const at = (k: string) => `features[${k}]`
  const on = (section: Record<string, any>, k: string) => bool(section.enabled, `${at(k)}[enabled]`) ?? c.features[k].enabled
  if (f.customer_update) {
    const s = f.customer_update
    c.features.customer_update.enabled = on(s, 'customer_update')
    if (s.allowed_updates !== undefined) c.features.customer_update.allowed_updates = enumList(s.allowed_updates, ['address', 'email', 'name', 'phone', 'shipping', 'tax_id'], `${at('customer_update')}[allowed_updates]`)
  }
  if (f.invoice_history) c.features.invoice_history.enabled = on(f.invoice_history, 'invoice_history')
  if (f.payment_method_update) c.features.payment_method_update.enabled = on(f.payment_method_update, 'payment_method_update')
  if (f.subscription_cancel) {
    const s = f.subscription_cancel
    const t = c.features.subscription_cancel
    t.enabled = on(s, 'subscription_cancel')
    t.mode = oneOf(s.mode, ['at_period_end', 'immediately'] as const, `${at('subscription_cancel')}[mode]`) ?? t.mode
    t.proration_behavior = oneOf(s.proration_behavior, ['always_invoice', 'create_prorations', 'none'] as const, `${at('subscription_cancel')}[proration_behavior]`) ?? t.proration_behavior
  }
  if (f.subscription_update) {
    const s = f.subscription_update
    const t = c.features.subscription_update
    t.enabled = on(s, 'subscription_update')
    if (s.default_allowed_updates !== undefined) t.default_allowed_updates = enumList(s.default_allowed_updates, ['price', 'promotion_code', 'quantity'], `${at('subscription_update')}[default_allowed_updates]`)
    t.proration_behavior = oneOf(s.proration_behavior, ['always_invoice', 'create_prorations', 'none'] as const, `${at('subscription_update')}[proration_behavior]`) ?? t.proration_behavior
    if (s.products !== undefined) {
      t.products = list(s.products).map((p: any, i) => {
        const param = `${at('subscription_update')}[products][${i}]`
        const product = emu.get('product', String(p?.product), 'product', `${param}[product]`)
        const prices = list(p?.prices).map((id, j) => {
          const price = emu.get('price', String(id), 'price', `${param}[prices][${j}]`)
          if (price.product !== product.id) throw invalid(`The price ${price.id} does not belong to product ${product.id}.`, `${param}[prices][${j}]`)
          return price.id
        })
        if (prices.length === 0) throw invalid('Each product needs at least one price.', `${param}[prices]`)
        return { adjustable_quantity: { enabled: false, maximum: null, minimum: 1 }, prices, product: product.id }
      })
    }
    if (t.enabled && t.default_allowed_updates.length > 0 && t.products.length === 0) {
      throw invalid('You must provide at least one product when subscription updates are enabled.', `${at('subscription_update')}[products]`)
    }
  }
}

function applyCommon(emu: Emulator, c: Obj, p: Record<string, any>): void {
  if (p.business_profile !== undefined) {
    for (const k of ['headline', 'privacy_policy_url', 'terms_of_service_url']) {
      if (p.business_profile[k] !== undefined) c.business_profile[k] = nullable(p.business_profile[k], `business_profile[${k}]`) ?? null
    }
  }
  if (p.default_return_url !== undefined) c.default_return_url = nullable(p.default_return_url, 'default_return_url') ?? null
  if (p.name !== undefined) c.name = nullable(p.name, 'name') ?? null
  if (p.active !== undefined) {
    const active = bool(p.active, 'active')!
    if (!active && c.is_default) throw invalid('The default configuration cannot be deactivated.', 'active')
    c.active = active
  }
  applyFeatures(emu, c, p.features)
  c.metadata = mergeMetadata(c.metadata, p.metadata)
  c.updated = emu.now()
}

export const portalConfigurationRoutes: Route[] = [
  route('POST', '/v1/billing_portal/configurations', (emu, p) => {
    if (p.features === undefined) throw invalid('Missing required param: features.', 'features', 'parameter_missing')
    ensureDefault(emu)
    const c = blank(emu, emu.newId('bpc'), false)
    applyCommon(emu, c, p)
    emu.put(TYPE, c)
    emu.emit('billing_portal.configuration.created', c)
    return c
  }),
  route('GET', '/v1/billing_portal/configurations/:id', (emu, _p, [id]) => {
    ensureDefault(emu)
    return emu.get(TYPE, id, 'billing portal configuration')
  }),
  route('POST', '/v1/billing_portal/configurations/:id', (emu, p, [id]) => {
    ensureDefault(emu)
    const c = emu.get(TYPE, id, 'billing portal configuration')
    const draft = structuredClone(c)
    applyCommon(emu, draft, p) // validates everything before changing anything
    return update(emu, c, (o) => Object.assign(o, draft), 'billing_portal.configuration.updated')
  }),
  route('GET', '/v1/billing_portal/configurations', (emu, p) => {
    ensureDefault(emu)
    const active = bool(p.active, 'active')
    const isDefault = bool(p.is_default, 'is_default')
    const items = emu.all(TYPE).filter((c) => (active === undefined || c.active === active) && (isDefault === undefined || c.is_default === isDefault))
    return page(emu, '/v1/billing_portal/configurations', items, p)
  }),
]
