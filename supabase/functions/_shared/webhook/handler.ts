// The stripe-webhook endpoint's logic: verify, validate, record, acknowledge, then kick the sync worker.
// It answers 2xx only after the event row has committed, and 503 when the database cannot take it, so
// that Stripe retries (DESIGN rule 6).
import { HttpError, methodNotAllowed } from '../errors.ts'
import { JsonTooDeepError } from '../jsonb.ts'
import { errorResponse, json, readBodyBytesLimited } from '../http.ts'
import { STRIPE_API_VERSION } from '../stripe/client.ts'
import { type RecordedEvent, StripeEvent, type StripeEventEnvelope, ThinStripeEvent, toRecorded, toRecordedThin } from './envelope.ts'
import { isPlainStripeEvent, storableAsIs } from './fast-envelope.ts'
import { verifyStripeRequest } from './verify.ts'

export type { RecordedEvent }

export const MAX_BODY_BYTES = 1024 * 1024
const decoder = new TextDecoder()

export interface WebhookDeps {
  secrets: string[]
  /** Records the event; false when it was already recorded (a duplicate delivery). */
  record: (event: RecordedEvent) => Promise<boolean>
  /** Starts the sync worker without waiting for it. */
  kick: () => void
}

/** A snapshot event (v1) or a thin one (v2), as its inbox row; 400 for a signed body that is neither. */
function toInboxRow(event: unknown, verifiedBy: string, raw: string): RecordedEvent {
  // The usual case, checked without copying the event: its text goes to the inbox as it came.
  if (isPlainStripeEvent(event) && storableAsIs(raw)) return toRecorded(event as StripeEventEnvelope, verifiedBy, raw)
  try {
    const v1 = StripeEvent.safeParse(event)
    if (v1.success) return toRecorded(v1.data, verifiedBy)
    const thin = ThinStripeEvent.safeParse(event)
    if (thin.success) return toRecordedThin(thin.data, verifiedBy)
    const issue = v1.error.issues[0]
    throw new HttpError(400, 'not_a_stripe_event', `signed body is not a Stripe event: ${issue?.path.join('.')} ${issue?.message}`)
  } catch (err) {
    // Content no retry can make storable (nesting past the limit): refused now, not 5xx for three days.
    if (err instanceof JsonTooDeepError) throw new HttpError(400, 'event_not_storable', `signed event cannot be stored: ${err.message}`, { cause: err })
    throw err
  }
}

export async function handleStripeWebhook(req: Request, deps: WebhookDeps): Promise<Response> {
  try {
    if (req.method !== 'POST') throw methodNotAllowed('POST')
    const body = await readBodyBytesLimited(req, MAX_BODY_BYTES)
    const { verifiedBy } = verifyStripeRequest(body, req.headers.get('stripe-signature'), deps.secrets)
    const raw = decoder.decode(body)
    let event: unknown
    try {
      event = JSON.parse(raw)
    } catch (err) {
      throw new HttpError(400, 'not_json', 'signed body is not JSON', { cause: err })
    }
    const recorded = toInboxRow(event, verifiedBy, raw)
    const e = recorded.payload
    let inserted: boolean
    try {
      inserted = await deps.record(recorded)
    } catch (err) {
      throw new HttpError(503, 'not_stored', `event ${e.id} (${e.type}) could not be stored; retry later`, { cause: err, headers: { 'retry-after': '10' } })
    }
    if (recorded.apiVersionMismatch) console.warn(`stripe-webhook: ${e.id} has api_version ${recorded.apiVersion}, pinned ${STRIPE_API_VERSION}`)
    if (inserted) deps.kick()
    return json(200, { received: true, id: e.id, duplicate: !inserted })
  } catch (err) {
    return errorResponse(err, 'stripe-webhook')
  }
}
