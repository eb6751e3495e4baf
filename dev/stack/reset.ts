// `npm run stack:reset`: recreates the profile's database from the migrations (the stack must be
// stopped first; `supabase db reset` needs Docker, so this is its Docker-free counterpart).
import { profile } from './config.ts'
import { stackLog } from './log.ts'
import { down, runningServices, up } from './stack.ts'

const p = profile()
if (Object.keys(runningServices(p)).length > 0) {
  process.stderr.write(`[stack] the ${p.name} stack is running; stop it first (npm run stack:down)\n`)
  process.exit(1)
}
await up(p, { fresh: true, log: stackLog })
await down(p, { cluster: true })
stackLog(`${p.name} database recreated from supabase/migrations`)
