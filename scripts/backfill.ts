// `npm run backfill`: syncs every Stripe customer into the mirror, for a first install. Reads
// STRIPE_SECRET_KEY (and STRIPE_API_BASE if set) and the database from SUPABASE_DB_URL, and nothing
// else: a production tool never falls back to a local stack. `npm run backfill -- --local` fills them
// from the running local stack first (dev/stack/backfill.ts). Shows a progress bar.
import postgres from 'postgres'
import { stripeClient } from '../supabase/functions/_shared/stripe/client.ts'
import { backfill, type BackfillProgress } from '../supabase/functions/_shared/sync/backfill.ts'
import { createGroupSyncer } from '../supabase/functions/_shared/sync/syncer.ts'

const { STRIPE_SECRET_KEY: key, SUPABASE_DB_URL: url } = process.env
if (!key || !url) {
  const missing = [key ? '' : 'STRIPE_SECRET_KEY', url ? '' : 'SUPABASE_DB_URL'].filter(Boolean).join(' and ')
  process.stderr.write(`backfill: set ${missing} (or run \`npm run backfill -- --local\` against the local stack)\n`)
  process.exit(2)
}
const sql = postgres(url, { max: 6, onnotice: () => {} })
const limiterSql = postgres(url, { max: 2, onnotice: () => {} })
const ctx = { stripe: stripeClient(limiterSql) }

function bar(pr: BackfillProgress): string {
  if (pr.phase === 'listing') return `listing customers: ${pr.customers}`
  const done = pr.synced + pr.failed
  const width = 30
  const filled = pr.customers ? Math.round((done / pr.customers) * width) : width
  return `[${'#'.repeat(Math.min(width, filled))}${'.'.repeat(Math.max(0, width - filled))}] ${done}/${pr.customers} customers synced${pr.failed ? `, ${pr.failed} failed (see ops.dead_letters)` : ''}`
}

try {
  const result = await backfill(sql, ctx, createGroupSyncer({ sql, stripe: ctx }), { onProgress: (pr) => process.stdout.write(`\r${bar(pr)}`) })
  process.stdout.write(`\r${bar(result)}\n`)
  process.exitCode = result.failed > 0 ? 1 : 0
} catch (err) {
  const where = process.env.STRIPE_API_BASE ?? 'https://api.stripe.com'
  process.stderr.write(`\nbackfill failed (Stripe at ${where}, database ${url.replace(/:[^:@/]*@/, ':***@')}): ${err instanceof Error ? err.message : String(err)}\n`)
  process.exitCode = 1
} finally {
  await sql.end()
  await limiterSql.end()
}
