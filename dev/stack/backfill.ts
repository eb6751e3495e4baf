// `npm run backfill [-- --local]`: reads the project's .env, and with --local points scripts/backfill.ts
// at the running local stack (STACK_PROFILE, default dev: its database and Stripe emulator, unless set in
// the environment), then runs it. The production tool itself reads only the environment, never dev/.
import { loadDotEnv, profile } from './config.ts'
import { LOCAL_STRIPE_KEY } from './services.ts'

loadDotEnv()
if (process.argv.includes('--local')) {
  const p = profile()
  process.env.SUPABASE_DB_URL ??= p.dbUrl
  process.env.STRIPE_SECRET_KEY ??= LOCAL_STRIPE_KEY
  if (!process.env.STRIPE_API_BASE && process.env.STRIPE_SECRET_KEY === LOCAL_STRIPE_KEY) process.env.STRIPE_API_BASE = `http://127.0.0.1:${p.ports.stripe}`
}
await import('../../scripts/backfill.ts')
