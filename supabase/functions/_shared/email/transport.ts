// Delivers rendered emails: Resend's HTTP API in production (resend.ts), SMTP locally (maildev), each
// at its real limit (transportLimits). The idempotency key goes to Resend as `Idempotency-Key`, so a
// retried send is not delivered twice. Failures say whether retrying can help.
import nodemailer from 'nodemailer'
import { config, required } from '../config.ts'
import { NonRetriableError, RetryAfterError } from '../errors.ts'
import type { OutgoingEmail } from './outgoing.ts'
import { RESEND_MAX_BATCH, viaResend, viaResendBatch } from './resend.ts'

export type { OutgoingEmail } from './outgoing.ts'

function transportName(): 'resend' | 'smtp' {
  const c = config()
  return c.EMAIL_TRANSPORT ?? (c.SMTP_HOST ? 'smtp' : 'resend')
}

/** How fast the transport takes emails: emails per call, calls at once, and the gap between calls. */
export interface TransportLimits {
  batchSize: number
  concurrency: number
  minIntervalMs: number
}

export function transportLimits(): TransportLimits {
  const c = config()
  if (transportName() === 'resend') {
    // Resend: 100 emails per batch call; its default rate limit is 2 requests/s per team (raise on request).
    return { batchSize: Math.min(RESEND_MAX_BATCH, c.RESEND_BATCH_SIZE), concurrency: 1, minIntervalMs: 1000 / c.RESEND_REQUESTS_PER_SECOND }
  }
  return { batchSize: 1, concurrency: c.SMTP_MAX_CONNECTIONS, minIntervalMs: 0 }
}

// One transporter per configuration, reused across sends (it pools its connection).
const transporters = new Map<string, ReturnType<typeof nodemailer.createTransport>>()
function smtpTransport() {
  const c = config()
  const smtp = { host: required('SMTP_HOST'), port: c.SMTP_PORT, user: c.SMTP_USER, pass: c.SMTP_PASS }
  const key = JSON.stringify(smtp)
  let t = transporters.get(key)
  if (!t) {
    t = nodemailer.createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: false,
      // Several messages over a few kept-open connections, as many as the outbox sends at once.
      pool: true,
      maxConnections: transportLimits().concurrency,
      maxMessages: Infinity,
      ...(smtp.user ? { auth: { user: smtp.user, pass: smtp.pass } } : {}),
    })
    transporters.set(key, t)
  }
  return t
}

async function viaSmtp(m: OutgoingEmail): Promise<{ providerMessageId: string }> {
  const smtp = smtpTransport()
  try {
    const info = await smtp.sendMail({
      from: config().EMAIL_FROM,
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

/** Several emails in one provider call under one batch key (Resend); only when batchSize > 1. */
export function sendEmailBatch(ms: OutgoingEmail[], batchKey: string): Promise<{ providerMessageId: string }[]> {
  if (transportName() !== 'resend') throw new Error('only the Resend transport sends batches')
  return viaResendBatch(ms, batchKey)
}
