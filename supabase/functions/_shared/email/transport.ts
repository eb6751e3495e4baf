// Delivers a rendered email: Resend's HTTP API in production (hosted edge functions cannot open SMTP
// ports), SMTP locally (maildev). The idempotency key goes to Resend as `Idempotency-Key`, so a retried
// send is not delivered twice. Failures say whether retrying can help.
import nodemailer from 'nodemailer'
import { env } from '../env.ts'
import { NonRetriableError, RetryAfterError } from '../errors.ts'

export interface OutgoingEmail {
  to: string
  subject: string
  html: string
  text: string
  idempotencyKey: string
}

export function transportName(): 'resend' | 'smtp' {
  const chosen = env('EMAIL_TRANSPORT', '')
  if (chosen === 'resend' || chosen === 'smtp') return chosen
  return env('SMTP_HOST', '') ? 'smtp' : 'resend'
}

async function viaResend(m: OutgoingEmail): Promise<{ providerMessageId: string }> {
  let res: Response
  try {
    res = await fetch(`${env('RESEND_API_URL', 'https://api.resend.com')}/emails`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env('RESEND_API_KEY')}`, 'content-type': 'application/json', 'idempotency-key': m.idempotencyKey },
      body: JSON.stringify({ from: env('EMAIL_FROM', 'Billing <billing@example.test>'), to: [m.to], subject: m.subject, html: m.html, text: m.text }),
      signal: AbortSignal.timeout(15_000),
    })
  } catch (err) {
    throw new RetryAfterError(`Resend unreachable for ${m.idempotencyKey}: ${String(err)}`, 30_000, { cause: err })
  }
  const body = (await res.json().catch(() => ({}))) as { id?: string; message?: string }
  if (res.ok && body.id) return { providerMessageId: body.id }
  const detail = `Resend answered ${res.status} for ${m.idempotencyKey}: ${body.message ?? 'no message'}`
  if (res.status === 429 || res.status >= 500) {
    const after = Number(res.headers.get('retry-after'))
    throw new RetryAfterError(detail, Number.isFinite(after) && after > 0 ? after * 1000 : 30_000)
  }
  throw new NonRetriableError(detail)
}

// One transporter per configuration, reused across sends (it pools its connection).
const transporters = new Map<string, ReturnType<typeof nodemailer.createTransport>>()
function smtpTransport() {
  const config = { host: env('SMTP_HOST'), port: Number(env('SMTP_PORT', '25')), user: env('SMTP_USER', ''), pass: env('SMTP_PASS', '') }
  const key = JSON.stringify(config)
  let t = transporters.get(key)
  if (!t) {
    t = nodemailer.createTransport({
      host: config.host,
      port: config.port,
      secure: false,
      ...(config.user ? { auth: { user: config.user, pass: config.pass } } : {}),
    })
    transporters.set(key, t)
  }
  return t
}

async function viaSmtp(m: OutgoingEmail): Promise<{ providerMessageId: string }> {
  const smtp = smtpTransport()
  try {
    const info = await smtp.sendMail({
      from: env('EMAIL_FROM', 'Billing <billing@example.test>'),
      to: m.to,
      subject: m.subject,
      html: m.html,
      text: m.text,
      headers: { 'X-Idempotency-Key': m.idempotencyKey },
    })
    return { providerMessageId: info.messageId }
  } catch (err) {
    const code = (err as { responseCode?: number }).responseCode
    if (code && code >= 500 && code < 600) throw new NonRetriableError(`SMTP refused ${m.idempotencyKey} (${code})`, { cause: err })
    throw new RetryAfterError(`SMTP failed for ${m.idempotencyKey}: ${String(err)}`, 30_000, { cause: err })
  }
}

export function sendEmail(m: OutgoingEmail): Promise<{ providerMessageId: string }> {
  return transportName() === 'resend' ? viaResend(m) : viaSmtp(m)
}
