// `npm start`: brings up the whole local stack, prints where everything is, and stops everything it
// started when interrupted (Ctrl-C).
import { existsSync } from 'node:fs'
import path from 'node:path'
import { profile, ROOT } from './config.ts'
import { stackLog } from './log.ts'
import { down, up, type Stack } from './stack.ts'
import { supervise } from './supervise.ts'
import { DEFAULT_CATALOG, loadCatalog } from '../../scripts/stripe-catalog/catalog.ts'
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

/** What to do next: the demo, step by step (README "Two commands" has the same steps). */
function nextSteps(stack: Stack): string {
  const p = stack.profile
  const web = `http://127.0.0.1:${p.ports.web}`
  const steps = [
    `Open ${web}, sign up (any email, confirmed at once), create an organization, choose a plan and pay with the card ending 4242.`,
    'A failed payment: "Manage billing" → Payment method → the card ending 0341 → Update; then, in another terminal,',
    '   npm run emulator -- advance 32     (a month and a day pass: the renewal is charged and fails), and reload the billing page.',
    'Recover: "Manage billing" → Payment method → the card ending 4242 → Update, then "Pay" on the open invoice.',
    'The data export: "Manage billing" → "Cancel subscription" (it ends at the period end), then',
    '   npm run emulator -- advance 32     (past the period end: the subscription ends); reload: the export link is on the page and in the email.',
    '   ("Cancel now" in the portal ends it at once instead.)',
    `Emails: ${`http://127.0.0.1:${p.ports.mail}`}.  Check the stack as a deployment: npm run doctor -- --local`,
  ]
  let n = 0
  return ['Next:', ...steps.map((s) => (s.startsWith('   ') ? `     ${s.trim()}` : `  ${++n}. ${s}`))].join('\n')
}

const p = profile()
const started = Date.now()
let supervisor: { stop: () => void } | undefined
let isUp = false
// Interrupted between the services' start and the table: stop them (up() handles its own part).
const abandon = () => void down(p).then(() => process.exit(130))
try {
  const stack = await up(p, { watch: p.name === 'dev', log: stackLog })
  isUp = true
  process.once('SIGINT', abandon)
  process.once('SIGTERM', abandon)
  // The demo catalogue (or STRIPE_CATALOG's), applied as `npm run stripe:setup` applies it to a real account.
  const catalog = process.env.STRIPE_CATALOG ?? DEFAULT_CATALOG
  stackLog(`applying ${path.relative(ROOT, catalog)} to the Stripe emulator`)
  await setupCatalog(stripeFor(p), loadCatalog(catalog), { projectUrl: p.apiUrl, log: (l) => stackLog(`  ${l}`) })
  process.removeListener('SIGINT', abandon)
  process.removeListener('SIGTERM', abandon)
  stackLog(`healthy in ${((Date.now() - started) / 1000).toFixed(1)}s\n\n${table(stack)}\n\n${nextSteps(stack)}\n\nPress Ctrl-C to stop.`)
  supervisor = supervise(stack, { log: stackLog })
} catch (err) {
  process.stderr.write(`[stack] start failed: ${err instanceof Error ? err.message : String(err)}\n`)
  if (isUp) await down(p)
  process.exit(1)
}

let stopping = false
const stop = () => {
  if (stopping) return
  stopping = true
  supervisor?.stop()
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
