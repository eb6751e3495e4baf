// `npm run stripe:setup [-- --dry-run] [--catalog <file>]`: makes the Stripe account of
// STRIPE_SECRET_KEY match supabase/stripe-catalog.json (products, prices, portal, webhook endpoint),
// printing the plan first; --dry-run prints only the plan. PROJECT_URL (https://<ref>.supabase.co)
// names the project whose stripe-webhook the endpoint targets; STRIPE_API_BASE points at the emulator.
// Reads the environment only; `-- --local` fills it from the running local stack (dev/stack/stripe-setup.ts).
import { parseArgs } from 'node:util'
import Stripe from 'stripe'
import { STRIPE_API_VERSION, stripeHostOptions } from '../supabase/functions/_shared/stripe/client.ts'
import { DEFAULT_CATALOG, loadCatalog } from './stripe-catalog/catalog.ts'
import { setupCatalog } from './stripe-catalog/setup.ts'

const { values } = parseArgs({ options: { 'dry-run': { type: 'boolean', default: false }, catalog: { type: 'string', default: DEFAULT_CATALOG }, local: { type: 'boolean', default: false } } })
const key = process.env.STRIPE_SECRET_KEY
if (!key) {
  console.error('npm run stripe:setup needs STRIPE_SECRET_KEY (see .env.example), or `npm run stripe:setup -- --local` for the running local stack')
  process.exit(2)
}
try {
  const stripe = new Stripe(key, { apiVersion: STRIPE_API_VERSION, ...stripeHostOptions(process.env.STRIPE_API_BASE), maxNetworkRetries: 2 })
  console.log(`catalogue ${values.catalog} → ${process.env.STRIPE_API_BASE ?? 'api.stripe.com'}${values['dry-run'] ? ' (dry run)' : ''}`)
  await setupCatalog(stripe, loadCatalog(values.catalog), { projectUrl: process.env.PROJECT_URL, dryRun: values['dry-run'], log: (l) => console.log(l) })
} catch (err) {
  console.error(`stripe:setup failed: ${err instanceof Error ? err.message : String(err)}`)
  process.exit(1)
}
