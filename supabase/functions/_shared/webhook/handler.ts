// The stripe-webhook endpoint's logic: verify, validate, record, acknowledge, then kick the sync worker.
// It answers 2xx only after the event row has committed, and 503 when the database cannot take it, so
// that Stripe retries (DESIGN rule 6).
import { z } from 'zod'
import { HttpError } from '../errors.ts'
import { errorResponse, json, readBodyLimited } from '../http.ts'
import { routeEvent } from '../stripe/routing.ts'
import { STRIPE_API_VERSION } from '../stripe/client.ts'
import { verifyStripeRequest } from './verify.ts'

export const MAX_BODY_BYTES = 1024 * 1024

const StripeEvent = z.object({
  id: z.string().startsWith('evt_'),
  object: z.literal('event'),
  type: z.string().min(1),
  api_version: z.string().nullable().optional(),
  account: z.string().optional(),
  created: z.number().int(),
  livemode: z.boolean(),
  data: z.object({ object: z.record(z.string(), z.unknown()) }),
})
export type StripeEventEnvelope = z.infer<typeof StripeEvent>

export interface RecordedEvent {
  id: string
  type: string
  apiVersion: string | null
  apiVersionMismatch: boolean
  account: string | null
  livemode: boolean
  created: Date
  objectType: string | null
  objectId: string | null
  customerId: string | null
  payload: StripeEventEnvelope
  verifiedBy: string
}

export interface WebhookDeps {
  secrets: string[]
  /** Records the event; false when it was already recorded (a duplicate delivery). */
  record: (event: RecordedEvent) => Promise<boolean>
  /** Starts the sync worker without waiting for it. */
  kick: () => void
}

export async function handleStripeWebhook(req: Request, deps: WebhookDeps): Promise<Response> {
  if (req.method !== 'POST') return json(405, { error: 'only POST is accepted' }, { allow: 'POST' })
  try {
    const raw = await readBodyLimited(req, MAX_BODY_BYTES)
    const { event, verifiedBy } = await verifyStripeRequest(raw, req.headers.get('stripe-signature'), deps.secrets)
    const parsed = StripeEvent.safeParse(event)
    if (!parsed.success) throw new HttpError(400, `signed body is not a Stripe event: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`)
    const e = parsed.data
    const routing = routeEvent(e)
    const recorded: RecordedEvent = {
      id: e.id,
      type: e.type,
      apiVersion: e.api_version ?? null,
      apiVersionMismatch: !!e.api_version && e.api_version !== STRIPE_API_VERSION,
      account: e.account ?? null,
      livemode: e.livemode,
      created: new Date(e.created * 1000),
      ...routing,
      payload: e,
      verifiedBy,
    }
    let inserted: boolean
    try {
      inserted = await deps.record(recorded)
    } catch (err) {
      console.error(`stripe-webhook: ${e.id} (${e.type}) not recorded, answering 503 so Stripe retries:`, err)
      return json(503, { error: 'the event could not be stored; retry later' }, { 'retry-after': '10' })
    }
    if (recorded.apiVersionMismatch) console.warn(`stripe-webhook: ${e.id} has api_version ${e.api_version}, pinned ${STRIPE_API_VERSION}`)
    if (inserted) deps.kick()
    return json(200, { received: true, id: e.id, duplicate: !inserted })
  } catch (err) {
    if (err instanceof HttpError) console.warn(`stripe-webhook: refused (${err.status}): ${err.message}`)
    return errorResponse(err, 'stripe-webhook')
  }
}
