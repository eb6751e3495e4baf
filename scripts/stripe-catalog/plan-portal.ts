// The billing portal configuration the catalogue describes. Portal sessions use the account's default
// configuration, so that is the one kept in line; an account without one gets a configuration
// created (make it the default in the Dashboard). Plan changes offer every catalogue product with the
// prices the catalogue lists, resolved by lookup_key when applied.
import type Stripe from 'stripe'
import type { Catalog } from './catalog.ts'
import type { ApplyContext, Change } from './plan-products.ts'

type Offer = { product: string; prices: string[] }

async function offers(stripe: Stripe, catalog: Catalog, productIds: Map<string, string>): Promise<Offer[]> {
  const keys = catalog.products.flatMap((p) => p.prices.map((x) => x.lookup_key))
  const prices = await stripe.prices.list({ lookup_keys: keys, limit: 100 })
  return catalog.products.map((p) => ({
    product: productIds.get(p.key) ?? '',
    prices: p.prices.map((x) => prices.data.find((y) => y.lookup_key === x.lookup_key)?.id ?? '').sort(),
  }))
}

function params(catalog: Catalog, products: Offer[]): Stripe.BillingPortal.ConfigurationUpdateParams {
  const c = catalog.portal
  return {
    business_profile: { headline: c.headline ?? '' },
    features: {
      invoice_history: { enabled: c.invoice_history },
      payment_method_update: { enabled: c.payment_method_update },
      subscription_cancel: { enabled: c.cancel.enabled, mode: c.cancel.mode },
      subscription_update: c.plan_change.enabled
        ? { enabled: true, default_allowed_updates: ['price'], proration_behavior: c.plan_change.proration_behavior, products }
        : { enabled: false },
    },
    metadata: { catalog: 'stripe-catalog' },
  }
}

/** The fields of `have` that differ from what the catalogue wants. */
function differences(have: Stripe.BillingPortal.Configuration, catalog: Catalog, products: Offer[]): string[] {
  const c = catalog.portal
  const f = have.features
  const offered = f.subscription_update.products?.map((p) => ({ product: p.product, prices: [...p.prices].sort() })) ?? []
  const sortOffers = (o: Offer[]) => JSON.stringify([...o].sort((a, b) => a.product.localeCompare(b.product)))
  return [
    ...((have.business_profile.headline ?? '') !== (c.headline ?? '') ? ['headline'] : []),
    ...(f.invoice_history.enabled !== c.invoice_history ? ['invoice_history'] : []),
    ...(f.payment_method_update.enabled !== c.payment_method_update ? ['payment_method_update'] : []),
    ...(f.subscription_cancel.enabled !== c.cancel.enabled || (c.cancel.enabled && f.subscription_cancel.mode !== c.cancel.mode) ? ['cancel'] : []),
    ...(f.subscription_update.enabled !== c.plan_change.enabled ||
      (c.plan_change.enabled && (f.subscription_update.proration_behavior !== c.plan_change.proration_behavior || sortOffers(offered) !== sortOffers(products)))
      ? ['plan_change'] : []),
  ]
}

export async function planPortal(stripe: Stripe, catalog: Catalog, productIds: Map<string, string>, catalogueChanges: number): Promise<Change[]> {
  const list = await stripe.billingPortal.configurations.list({ limit: 100 })
  const have = list.data.find((x) => x.is_default) ?? list.data.find((x) => x.metadata?.catalog === 'stripe-catalog')
  const apply = async ({ stripe: s, productIds: ids, log }: ApplyContext) => {
    const p = params(catalog, await offers(s, catalog, ids))
    if (have) await s.billingPortal.configurations.update(have.id, p)
    else log(`billing portal configuration ${(await s.billingPortal.configurations.create(p as Stripe.BillingPortal.ConfigurationCreateParams)).id} created: make it the default in the Dashboard (Settings → Billing → Customer portal)`)
  }
  if (!have) return [{ summary: '+ billing portal configuration', apply }]
  // Products or prices about to change: the offered prices will change with them.
  const fields = differences(have, catalog, await offers(stripe, catalog, productIds))
  if (catalogueChanges > 0 && catalog.portal.plan_change.enabled && !fields.includes('plan_change')) fields.push('plan_change (follows the changes above)')
  return fields.length === 0 ? [] : [{ summary: `~ billing portal configuration ${have.id}: ${fields.join(', ')}`, apply }]
}
