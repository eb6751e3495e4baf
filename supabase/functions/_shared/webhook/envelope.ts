// A Stripe event as the inbox records it, whether it arrived by webhook or by reconciliation.
import { z } from 'zod'
import { STRIPE_API_VERSION } from '../stripe/client.ts'
import { jsonbSafe } from '../jsonb.ts'
import { routeEvent } from '../stripe/routing.ts'

// Loose objects: the inbox keeps the event exactly as Stripe signed it, checking only the fields the
// inbox row and routing read. What we do not read (request, pending_webhooks, context,
// data.previous_attributes, fields of later API versions) is never a reason to refuse a signed event:
// Stripe sends several of them as null, and a refusal would be retried for three days and then lost.
// The optional fields we do read may be null or absent alike.
// Bounds on what the inbox row stores: an id longer than Stripe's 255 characters could not be indexed,
// a `created` past year 9999 is no time Postgres or Date can hold; either would fail on every retry.
const EVENT_ID = z.string().startsWith('evt_').max(255)

export const StripeEvent = z.looseObject({
  id: EVENT_ID,
  object: z.literal('event'),
  type: z.string().min(1).max(255),
  api_version: z.string().nullish(),
  account: z.string().nullish(),
  created: z.number().int().min(0).max(253402300799),
  livemode: z.boolean(),
  data: z.looseObject({ object: z.record(z.string(), z.unknown()) }),
})
export type StripeEventEnvelope = z.infer<typeof StripeEvent>

// A thin event (API v2 event destinations: `v2.core.event`): no snapshot, a reference to the object that
// changed, `created` as an ISO time. The product acts on none of them, but a signed one is Stripe's and
// is recorded and acknowledged like any other type it does not act on, rather than refused and retried.
export const ThinStripeEvent = z.looseObject({
  id: EVENT_ID,
  object: z.literal('v2.core.event'),
  type: z.string().min(1).max(255),
  created: z.iso.datetime({ offset: true }),
  livemode: z.boolean(),
  context: z.string().nullable().optional(),
  related_object: z.looseObject({ id: z.string(), type: z.string() }).nullable().optional(),
})
export type ThinStripeEventEnvelope = z.infer<typeof ThinStripeEvent>

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
  payload: StripeEventEnvelope | ThinStripeEventEnvelope
  /** The payload's JSON text when already known (the signed body, storable as it came): sent as is. */
  payloadText?: string
  verifiedBy: string
}

/**
 * The inbox row for an event; `verifiedBy` says how we know it is Stripe's (a secret, or the API).
 * `bodyText`: the JSON text the event was parsed from, when fast-envelope.ts found it storable as is.
 */
export function toRecorded(event: StripeEventEnvelope, verifiedBy: string, bodyText?: string): RecordedEvent {
  const e = bodyText === undefined ? jsonbSafe(event) : event
  return {
    id: e.id,
    type: e.type,
    apiVersion: e.api_version ?? null,
    apiVersionMismatch: !!e.api_version && e.api_version !== STRIPE_API_VERSION,
    account: e.account ?? null,
    livemode: e.livemode,
    created: new Date(e.created * 1000),
    ...routeEvent(e),
    // A connected account's event (Connect): its objects live in that account, which the platform's key
    // cannot read (every fetch would say "deleted"). Recorded and acknowledged, not synced.
    ...(e.account ? { customerId: null } : {}),
    payload: e,
    payloadText: bodyText,
    verifiedBy,
  }
}

export function toRecordedThin(event: ThinStripeEventEnvelope, verifiedBy: string): RecordedEvent {
  const e = jsonbSafe(event)
  return {
    id: e.id,
    type: e.type,
    apiVersion: null,
    apiVersionMismatch: false,
    account: e.context ?? null,
    livemode: e.livemode,
    created: new Date(e.created),
    objectType: e.related_object?.type ?? null,
    objectId: e.related_object?.id ?? null,
    customerId: null,
    payload: e,
    verifiedBy,
  }
}
