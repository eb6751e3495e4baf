// `npm start`: brings up the whole local stack, prints where everything is, and stops everything it
// started when interrupted (Ctrl-C).
import { existsSync } from 'node:fs'
import { profile } from './config.ts'
import { stackLog } from './log.ts'
import { down, up, type Stack } from './stack.ts'
import { loadCatalog } from '../../scripts/stripe-catalog/catalog.ts'
import { setupCatalog } from '../../scripts/stripe-catalog/setup.ts'
import { stripeFor } from './stripe.ts'

function table(stack: Stack): string {
  const p = stack.profile
  const rows: [string, string][] = [
    ['Web app', `http://127.0.0.1:${p.ports.web}`],
    ['API (gateway)', p.apiUrl],
    ['  functions', `${p.apiUrl}/functions/v1/<name>`],
    ['  auth', `${p.apiUrl}/auth/v1`],
    ['Database', p.dbUrl],
    ['Stripe emulator (dev only)', `http://127.0.0.1:${p.ports.stripe}  (control: /_emulator/health)`],
    ['Mail inbox (maildev)', `http://127.0.0.1:${p.ports.mail}  (SMTP 127.0.0.1:${p.ports.smtp})`],
    ['pgmq', stack.pgmqVersion],
    ['anon key', stack.keys.anon],
    ['service_role key', stack.keys.serviceRole],
    ['JWT secret', p.jwtSecret],
    ['Logs', `${p.logDir}/`],
  ]
  const w = Math.max(...rows.map(([k]) => k.length))
  return rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`).join('\n')
}

const p = profile()
const started = Date.now()
try {
  const stack = await up(p, { watch: p.name === 'dev', log: stackLog })
  // The demo catalogue, applied as `npm run stripe:setup` applies it to a real account.
  stackLog('applying supabase/stripe-catalog.json to the Stripe emulator')
  await setupCatalog(stripeFor(p), loadCatalog(), { projectUrl: p.apiUrl, log: (l) => stackLog(`  ${l}`) })
  stackLog(`healthy in ${((Date.now() - started) / 1000).toFixed(1)}s\n\n${table(stack)}\n\nPress Ctrl-C to stop.`)
} catch (err) {
  process.stderr.write(`[stack] start failed: ${err instanceof Error ? err.message : String(err)}\n`)
  process.exit(1)
}

let stopping = false
const stop = () => {
  if (stopping) return
  stopping = true
  stackLog('stopping')
  void down(p).then(() => process.exit(0))
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
// Stay up until interrupted, or until `npm run stack:down` (which removes the PID file) stopped the stack.
setInterval(() => {
  if (!stopping && !existsSync(p.pidFile)) {
    stackLog('stopped by stack:down')
    process.exit(0)
  }
}, 1000)
