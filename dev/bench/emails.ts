// Email benchmark: the outbox after a burst of sign-ups (300 due emails), drained by the product's own
// delivery (deliverDueEmails) through each transport. Reports emails/min, provider calls and how many
// worker runs it took. SMTP goes to the bench stack's maildev; Resend is a local stand-in of its batch
// endpoint that enforces Resend's default rate limit (2 requests/s: 429 beyond it), so the figure shows
// the pacing, not Resend's latency. Last, the same 300 through the stack's own stripe-sync (SMTP), which
// stops rendering at its CPU budget and kicks itself again while emails remain: the figure a deployment
// sees. Runs on its own `bench` profile with a fresh database.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import postgres from 'postgres'
import { apiKeys, profile } from '../stack/config.ts'
import { down, up } from '../stack/stack.ts'
import { deliverDueEmails, enqueueEmail } from '../../supabase/functions/_shared/email/outbox.ts'

const EMAILS = Number(process.env.BENCH_EMAILS ?? 300)
const RESEND_RPS = 2

/** Resend's batch endpoint as far as rate limiting goes: 2 requests in any second, else 429. */
async function resendStandIn() {
  const starts: number[] = []
  let limited = 0
  let calls = 0
  const server = http.createServer((req, res) => {
    let body = ''
    req.on('data', (d) => (body += d))
    req.on('end', () => {
      calls++
      const now = Date.now()
      if (starts.filter((t) => t > now - 1000).length >= RESEND_RPS) {
        limited++
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' })
        return res.end(JSON.stringify({ name: 'rate_limit_exceeded', message: 'Too many requests' }))
      }
      starts.push(now)
      const n = req.url === '/emails/batch' ? JSON.parse(body).length : 1
      const ids = Array.from({ length: n }, (_, i) => ({ id: `msg_${now}_${i}` }))
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify(req.url === '/emails/batch' ? { data: ids } : ids[0]))
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, limited: () => limited, calls: () => calls, close: () => new Promise((r) => server.close(r)) }
}

/** `providerCalls`: the stand-in's count; SMTP takes one message per call, so its emails sent. */
async function enqueue(sql: postgres.Sql, label: string) {
  await sql`delete from billing.email_outbox`
  await Promise.all(Array.from({ length: EMAILS }, (_, i) => enqueueEmail(sql, {
    type: 'subscription_confirmation', to: `bench${i}@example.test`, idempotencyKey: `bench:${label}:${i}`,
    props: { organizationName: `Bench ${i}`, userName: null, plan: 'Pro', billingCycle: 'monthly', manageBillingUrl: 'http://127.0.0.1:3000/billing' },
  })))
}

/** One call of stripe-sync, then its self-kicks (and pg_cron's minutely call) until every email is sent. */
async function viaWorker(sql: postgres.Sql, apiUrl: string, serviceRole: string) {
  await enqueue(sql, 'worker')
  const t0 = performance.now()
  const res = await fetch(`${apiUrl}/functions/v1/stripe-sync`, { method: 'POST', headers: { authorization: `Bearer ${serviceRole}`, 'content-type': 'application/json' }, body: '{"trigger":"bench"}' })
  const first = (await res.json()) as { emails?: { sent: string[] }; rekicked?: boolean }
  let sent = 0
  for (let i = 0; i < 600 && sent < EMAILS; i++) {
    sent = (await sql`select count(*)::int as n from billing.email_outbox where status = 'sent'`)[0].n
    if (sent < EMAILS) await new Promise((r) => setTimeout(r, 500))
  }
  const seconds = (performance.now() - t0) / 1000
  return { transport: 'smtp via stripe-sync', emails: EMAILS, sent, seconds: Number(seconds.toFixed(2)), emailsPerMinute: Math.round((sent / seconds) * 60), sentByFirstInvocation: first.emails?.sent.length ?? 0, firstRekicked: first.rekicked ?? false }
}

async function run(sql: postgres.Sql, transport: string, providerCalls?: () => number) {
  await enqueue(sql, transport)
  const t0 = performance.now()
  let runs = 0
  const callsBefore = providerCalls?.() ?? 0
  // Each round is one worker run (pg_cron calls stripe-sync every minute; a webhook kicks it sooner).
  for (;;) {
    await deliverDueEmails(sql)
    runs++
    const [{ n }] = await sql`select count(*)::int as n from billing.email_outbox where status <> 'sent'`
    if (n === 0 || runs > 20) break
    // A batch answered 429 is due again after Retry-After; let the next "run" find it due.
    await sql`update billing.email_outbox set next_attempt_at = now() where status = 'pending'`
  }
  const seconds = (performance.now() - t0) / 1000
  const [{ sent }] = await sql`select count(*)::int as sent from billing.email_outbox where status = 'sent'`
  return { transport, emails: EMAILS, sent, seconds: Number(seconds.toFixed(2)), emailsPerMinute: Math.round((sent / seconds) * 60), providerCalls: providerCalls ? providerCalls() - callsBefore : sent, workerRuns: runs }
}

const p = profile(process.env.BENCH_PROFILE ?? 'bench')
console.log(`starting the bench stack (profile ${p.name}); ${EMAILS} emails per transport`)
await up(p, { fresh: true })
const sql = postgres(p.dbUrl, { max: 4, onnotice: () => {} })
const resend = await resendStandIn()
try {
  Object.assign(process.env, { EMAIL_TRANSPORT: 'smtp', SMTP_HOST: '127.0.0.1', SMTP_PORT: String(p.ports.smtp) })
  const results = [await run(sql, 'smtp')]
  Object.assign(process.env, { EMAIL_TRANSPORT: 'resend', RESEND_API_URL: resend.url, RESEND_API_KEY: 're_bench' })
  results.push({ ...(await run(sql, 'resend', resend.calls)), rateLimited: resend.limited() } as (typeof results)[number])
  const worker = await viaWorker(sql, p.apiUrl, (await apiKeys(p)).serviceRole)
  console.log(JSON.stringify({ benchmark: 'emails', resendRequestsPerSecond: RESEND_RPS, results, worker }, null, 2))
} finally {
  await resend.close()
  await sql.end()
  await down(p, { cluster: true })
}
