// `npm run doctor`: checks a deployment (database, cron jobs, queues, Stripe, function secrets) and
// prints a checklist with the fix under each failure; exits 0 only when every check passes.
// Reads SUPABASE_DB_URL and STRIPE_SECRET_KEY (and STRIPE_API_BASE for the local emulator) from the
// environment only (see .env.example); `npm run doctor -- --local` fills them from the running local
// stack first (dev/stack/local-tool.ts). Never prints a secret.
import postgres from 'postgres'
import { limitedStripe, stripeHostOptions } from '../supabase/functions/_shared/stripe/client.ts'
import { bucketFor } from '../supabase/functions/_shared/stripe/limiter.ts'
import { formatChecklist, redactor } from './doctor/checklist.ts'
import { runChecks } from './doctor/run-checks.ts'

const { SUPABASE_DB_URL: DATABASE_URL, STRIPE_SECRET_KEY } = process.env
const unset = [['SUPABASE_DB_URL', DATABASE_URL], ['STRIPE_SECRET_KEY', STRIPE_SECRET_KEY]].filter(([, v]) => !v).map(([n]) => n)
if (unset.length > 0) {
  console.error(`npm run doctor needs ${unset.join(' and ')} (see .env.example), or \`npm run doctor -- --local\` for the running local stack`)
  process.exit(2)
}

const password = (() => {
  try {
    return decodeURIComponent(new URL(DATABASE_URL!).password)
  } catch {
    return ''
  }
})()
const sql = postgres(DATABASE_URL!, { max: 1, onnotice: () => {}, connect_timeout: 15 })
// Its Stripe calls draw from the deployment's shared rate limiter, on a connection of their own.
const limiterSql = postgres(DATABASE_URL!, { max: 1, onnotice: () => {}, connect_timeout: 15 })
const stripe = limitedStripe(STRIPE_SECRET_KEY!, { sql: limiterSql, bucket: bucketFor(STRIPE_SECRET_KEY!) }, {
  ...stripeHostOptions(process.env.STRIPE_API_BASE),
  maxNetworkRetries: 1,
  timeout: 15_000,
})
let code = 1
try {
  const { results, secrets } = await runChecks({ sql, stripe })
  console.log(formatChecklist(results, redactor([password, STRIPE_SECRET_KEY, ...secrets])))
  code = results.every((r) => r.ok) ? 0 : 1
} catch (err) {
  const msg = err instanceof Error ? err.message : String(err)
  console.log(redactor([password, STRIPE_SECRET_KEY, DATABASE_URL])(`✗ database: cannot connect: ${msg}\n    fix: check SUPABASE_DB_URL (the connection string under Dashboard → Connect)`))
} finally {
  await sql.end({ timeout: 5 })
  await limiterSql.end({ timeout: 5 })
}
process.exit(code)
