// Resend's HTTP API (production: hosted edge functions cannot open SMTP ports). One email per call, or
// up to 100 per call through the batch endpoint. Each call carries an Idempotency-Key (the email's, or
// the batch's), so a retried call is not delivered twice. Failures say whether retrying can help.
import { config, required } from '../config.ts'
import { NonRetriableError, RetryAfterError } from '../errors.ts'
import type { OutgoingEmail } from './outgoing.ts'

/** Resend's limit on one batch call. */
export const RESEND_MAX_BATCH = 100

const from = () => config().EMAIL_FROM
const payload = (m: OutgoingEmail) => ({ from: from(), to: [m.to], subject: m.subject, html: m.html, text: m.text })

async function post(path: string, key: string, body: unknown, what: string): Promise<unknown> {
  let res: Response
  try {
    res = await fetch(`${config().RESEND_API_URL}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${required('RESEND_API_KEY')}`, 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    })
  } catch (err) {
    throw new RetryAfterError(`Resend unreachable for ${what}: ${String(err)}`, 30_000, { cause: err })
  }
  const answer = (await res.json().catch(() => ({}))) as { message?: string; name?: string }
  if (res.ok) return answer
  const detail = `Resend answered ${res.status} for ${what}: ${answer.message ?? 'no message'}`
  // 409 concurrent_idempotent_requests: the same key is being processed right now; ask again later.
  if (res.status === 429 || res.status >= 500 || (res.status === 409 && answer.name === 'concurrent_idempotent_requests')) {
    const after = Number(res.headers.get('retry-after'))
    throw new RetryAfterError(detail, Number.isFinite(after) && after > 0 ? after * 1000 : 30_000)
  }
  throw new NonRetriableError(detail)
}

export async function viaResend(m: OutgoingEmail): Promise<{ providerMessageId: string }> {
  const body = (await post('/emails', m.idempotencyKey, payload(m), m.idempotencyKey)) as { id?: string }
  if (!body.id) throw new RetryAfterError(`Resend answered without an id for ${m.idempotencyKey}`, 30_000)
  return { providerMessageId: body.id }
}

/** Up to 100 emails in one call, all or none (Resend's strict validation); ids in the order sent. */
export async function viaResendBatch(ms: OutgoingEmail[], batchKey: string): Promise<{ providerMessageId: string }[]> {
  if (ms.length > RESEND_MAX_BATCH) throw new Error(`a Resend batch holds at most ${RESEND_MAX_BATCH} emails, not ${ms.length}`)
  const body = (await post('/emails/batch', batchKey, ms.map(payload), `batch ${batchKey} (${ms.length} emails)`)) as { data?: { id?: string }[] }
  const ids = body.data?.map((d) => d.id)
  if (!ids || ids.length !== ms.length || ids.some((id) => !id)) {
    throw new RetryAfterError(`Resend answered batch ${batchKey} with ${ids?.length ?? 'no'} ids for ${ms.length} emails`, 30_000)
  }
  return ids.map((id) => ({ providerMessageId: id! }))
}
