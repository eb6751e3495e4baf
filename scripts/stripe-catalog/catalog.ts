// The catalogue file (supabase/stripe-catalog.json): products with plan limits and trial days, their
// prices by lookup_key, the billing portal and the webhook endpoint. Parsed once, with errors that
// name the field.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'

const Price = z.object({
  lookup_key: z.string().regex(/^[a-z0-9_]+$/, 'lowercase letters, digits and _'),
  nickname: z.string().min(1),
  unit_amount: z.number().int().nonnegative(),
  currency: z.string().regex(/^[a-z]{3}$/),
  interval: z.enum(['day', 'week', 'month', 'year']),
  interval_count: z.number().int().positive().default(1),
  /** The subscription's quantity follows the organization's seats in use (members + pending invitations). */
  per_seat: z.boolean().default(false),
  /** How a seat change is prorated (per-seat prices only). */
  seat_proration: z.enum(['always_invoice', 'create_prorations', 'none']).default('create_prorations'),
})

const Product = z.object({
  key: z.string().regex(/^[a-z0-9_-]+$/),
  name: z.string().min(1),
  description: z.string().min(1).optional(),
  limits: z.record(z.string(), z.string()).default({}),
  trial_days: z.number().int().nonnegative().default(0),
  /** The trial starts through Checkout without a card (payment_method_collection=if_required). */
  trial_without_card: z.boolean().default(false),
  /** What Stripe does when a trial ends with no payment method on file (trial_settings.end_behavior). */
  trial_end_behavior: z.enum(['pause', 'cancel']).default('pause'),
  prices: z.array(Price).min(1),
})

export const Catalog = z.object({
  products: z.array(Product),
  portal: z.object({
    headline: z.string().max(60, 'Stripe allows 60 characters').optional(),
    invoice_history: z.boolean(),
    payment_method_update: z.boolean(),
    cancel: z.object({ enabled: z.boolean(), mode: z.enum(['at_period_end', 'immediately']) }),
    plan_change: z.object({ enabled: z.boolean(), proration_behavior: z.enum(['always_invoice', 'create_prorations', 'none']) }),
  }),
  webhook: z.object({ path: z.string().startsWith('/'), description: z.string().optional() }),
}).superRefine((c, ctx) => {
  const keys = c.products.flatMap((p) => p.prices.map((x) => x.lookup_key))
  for (const k of keys.filter((k, i) => keys.indexOf(k) !== i)) ctx.addIssue({ code: 'custom', message: `lookup_key ${k} is used twice` })
  const products = c.products.map((p) => p.key)
  for (const k of products.filter((k, i) => products.indexOf(k) !== i)) ctx.addIssue({ code: 'custom', message: `product key ${k} is used twice` })
})

export type Catalog = z.infer<typeof Catalog>
export type CatalogProduct = Catalog['products'][number]
export type CatalogPrice = CatalogProduct['prices'][number]

/** The price metadata the catalogue owns: per_seat and seat_proration (read by billing.price_is_per_seat). */
export function priceMetadata(p: CatalogPrice): Record<string, string> {
  return p.per_seat ? { per_seat: 'true', seat_proration: p.seat_proration } : { per_seat: '', seat_proration: '' }
}

export const DEFAULT_CATALOG = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../supabase/stripe-catalog.json')

export function loadCatalog(file = DEFAULT_CATALOG): Catalog {
  const parsed = Catalog.safeParse(JSON.parse(readFileSync(file, 'utf8')))
  if (!parsed.success) {
    throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; ')}`)
  }
  return parsed.data
}

/** The product metadata the catalogue owns: its key, the plan limits (`limits.<name>`), the trial's terms. */
export function productMetadata(p: CatalogProduct): Record<string, string> {
  return {
    catalog_key: p.key,
    trial_days: String(p.trial_days),
    trial_without_card: String(p.trial_without_card),
    trial_end_behavior: p.trial_end_behavior,
    ...Object.fromEntries(Object.entries(p.limits).map(([k, v]) => [`limits.${k}`, v])),
  }
}
