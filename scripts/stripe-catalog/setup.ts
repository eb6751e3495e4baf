// Plans as code: compares a Stripe account with the catalogue, prints the plan, and (unless dry-run)
// applies it in order: products and prices, the portal (which offers them), the webhook endpoint.
import type Stripe from 'stripe'
import type { Catalog } from './catalog.ts'
import { planPortal } from './plan-portal.ts'
import { planProducts, readAccount, type Change } from './plan-products.ts'
import { planWebhook } from './plan-webhook.ts'

export interface SetupOptions {
  /** The project's URL (https://<ref>.supabase.co, or the local API); without it the webhook is left alone. */
  projectUrl?: string
  dryRun?: boolean
  log?: (line: string) => void
}

export async function setupCatalog(stripe: Stripe, catalog: Catalog, opts: SetupOptions = {}): Promise<{ changes: string[]; warnings: string[] }> {
  const log = opts.log ?? (() => {})
  const productIds = new Map<string, string>()
  const products = planProducts(catalog, await readAccount(stripe), productIds)
  const portal = await planPortal(stripe, catalog, productIds, products.length)
  const webhook = opts.projectUrl ? await planWebhook(stripe, catalog, opts.projectUrl) : { changes: [], warnings: ['no project URL given: the webhook endpoint was not checked (set PROJECT_URL)'] }
  const changes: Change[] = [...products, ...portal, ...webhook.changes]
  for (const w of webhook.warnings) log(`! ${w}`)
  if (changes.length === 0) {
    log('nothing to do: the account matches the catalogue')
    return { changes: [], warnings: webhook.warnings }
  }
  log(`plan (${changes.length} changes):`)
  for (const c of changes) log(`  ${c.summary}`)
  if (!opts.dryRun) {
    for (const c of changes) await c.apply({ stripe, productIds, log })
    log(`applied ${changes.length} changes`)
  }
  return { changes: changes.map((c) => c.summary), warnings: webhook.warnings }
}
