// `npm run stripe:setup [-- --dry-run] [--catalog <file>]`: makes the Stripe account of
// STRIPE_SECRET_KEY match supabase/stripe-catalog.json (products, prices, portal, webhook endpoint),
// printing the plan first; --dry-run prints only the plan. PROJECT_URL (https://<ref>.supabase.co)
// names the project whose stripe-webhook the endpoint targets; STRIPE_API_BASE points at the emulator.
// Its Stripe calls draw from the project's shared rate limiter, in the database at SUPABASE_DB_URL, so a
// run beside a busy sync never exceeds the account's limit.
// Reads the environment only; `-- --local` fills it from the running local stack (dev/stack/local-tool.ts).
import { parseArgs } from 'node:util'
import postgres from 'postgres'
import { limitedStripe, stripeHostOptions } from '../supabase/functions/_shared/stripe/client.ts'
import { bucketFor } from '../supabase/functions/_shared/stripe/limiter.ts'
import { DEFAULT_CATALOG, loadCatalog } from './stripe-catalog/catalog.ts'
import { setupCatalog } from './stripe-catalog/setup.ts'

const { values } = parseArgs({ options: { 'dry-run': { type: 'boolean', default: false }, catalog: { type: 'string', default: DEFAULT_CATALOG }, local: { type: 'boolean', default: false } } })
const { STRIPE_SECRET_KEY: key, SUPABASE_DB_URL: dbUrl } = process.env
if (!key || !dbUrl) {
  const unset = [key ? '' : 'STRIPE_SECRET_KEY', dbUrl ? '' : 'SUPABASE_DB_URL (its rate limiter)'].filter(Boolean).join(' and ')
  console.error(`npm run stripe:setup needs ${unset} (see .env.example), or \`npm run stripe:setup -- --local\` for the running local stack`)
  process.exit(2)
}
const limiterSql = postgres(dbUrl, { max: 1, onnotice: () => {}, connect_timeout: 15 })
try {
  const stripe = limitedStripe(key, { sql: limiterSql, bucket: bucketFor(key) }, stripeHostOptions(process.env.STRIPE_API_BASE))
  console.log(`catalogue ${values.catalog} → ${process.env.STRIPE_API_BASE ?? 'api.stripe.com'}${values['dry-run'] ? ' (dry run)' : ''}`)
  await setupCatalog(stripe, loadCatalog(values.catalog), { projectUrl: process.env.PROJECT_URL, dryRun: values['dry-run'], log: (l) => console.log(l) })
} catch (err) {
  console.error(`stripe:setup failed: ${err instanceof Error ? err.message : String(err)}`)
  process.exitCode = 1
} finally {
  await limiterSql.end({ timeout: 5 })
}
