// `npm run doctor|stripe:setup [-- --local]`: reads the project's .env, and with --local points the
// production tool at the running local stack (its database, API and Stripe emulator, unless set in the
// environment), then runs it. The tools themselves read only the environment, never dev/.
import { loadDotEnv } from './config.ts'
import { targetProfile } from './running.ts'
import { LOCAL_STRIPE_KEY } from './services.ts'

loadDotEnv()
const [tool] = process.argv.splice(2, 1)
const scripts: Record<string, string> = { doctor: '../../scripts/doctor.ts', 'stripe:setup': '../../scripts/stripe-setup.ts' }
if (!scripts[tool]) throw new Error(`unknown tool ${tool}`)
if (process.argv.includes('--local')) {
  const p = targetProfile('functions')
  process.env.SUPABASE_DB_URL ??= p.dbUrl
  process.env.PROJECT_URL ??= p.apiUrl
  process.env.STRIPE_SECRET_KEY ??= LOCAL_STRIPE_KEY
  if (!process.env.STRIPE_API_BASE && process.env.STRIPE_SECRET_KEY === LOCAL_STRIPE_KEY) process.env.STRIPE_API_BASE = `http://127.0.0.1:${p.ports.stripe}`
  console.error(`(the ${p.name} stack: ${p.apiUrl})`)
}
await import(scripts[tool])
