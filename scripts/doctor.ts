// `npm run doctor`: checks a deployment (database, cron jobs, queues, Stripe, function secrets) and
// prints a checklist with the fix under each failure; exits 0 only when every check passes.
// Reads DATABASE_URL and STRIPE_SECRET_KEY (and STRIPE_API_BASE for the local emulator) from the
// environment or .env (see .env.example). Never prints a secret.
import { existsSync } from 'node:fs'
import postgres from 'postgres'
import Stripe from 'stripe'
import { STRIPE_API_VERSION, stripeHostOptions } from '../supabase/functions/_shared/stripe/client.ts'
import { formatChecklist, redactor } from './doctor/checklist.ts'
import { runChecks } from './doctor/run-checks.ts'

if (existsSync('.env')) process.loadEnvFile('.env')
const { DATABASE_URL, STRIPE_SECRET_KEY } = process.env
const unset = [['DATABASE_URL', DATABASE_URL], ['STRIPE_SECRET_KEY', STRIPE_SECRET_KEY]].filter(([, v]) => !v).map(([n]) => n)
if (unset.length > 0) {
  console.error(`npm run doctor needs ${unset.join(' and ')} (see .env.example), e.g. for the local stack:\n` +
    '  DATABASE_URL=postgresql://postgres:postgres@127.0.0.1:54322/postgres STRIPE_SECRET_KEY=sk_test_local_emulator STRIPE_API_BASE=http://127.0.0.1:12111 npm run doctor')
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
const stripe = new Stripe(STRIPE_SECRET_KEY!, { apiVersion: STRIPE_API_VERSION, ...stripeHostOptions(process.env.STRIPE_API_BASE), maxNetworkRetries: 1, timeout: 15_000 })
let code = 1
try {
  const { results, secrets } = await runChecks({ sql, stripe })
  console.log(formatChecklist(results, redactor([password, STRIPE_SECRET_KEY, ...secrets])))
  code = results.every((r) => r.ok) ? 0 : 1
} catch (err) {
  const msg = err instanceof Error ? err.message : String(err)
  console.log(redactor([password, STRIPE_SECRET_KEY, DATABASE_URL])(`✗ database: cannot connect: ${msg}\n    fix: check DATABASE_URL (the connection string under Dashboard → Connect)`))
} finally {
  await sql.end({ timeout: 5 })
}
process.exit(code)
