// A Stripe event as the inbox records it, whether it arrived by webhook or by reconciliation.
import { z } from 'zod'
import { STRIPE_API_VERSION } from '../stripe/client.ts'
import { jsonbSafe } from '../jsonb.ts'
import { routeEvent } from '../stripe/routing.ts'

// Loose objects: the inbox keeps the event exactly as Stripe signed it (request, pending_webhooks,
// data.previous_attributes, fields of later API versions), checking only what routing relies on.
export const StripeEvent = z.looseObject({
  id: z.string().startsWith('evt_'),
  object: z.literal('event'),
  type: z.string().min(1),
  api_version: z.string().nullable().optional(),
  account: z.string().optional(),
  created: z.number().int(),
  livemode: z.boolean(),
  data: z.looseObject({ object: z.record(z.string(), z.unknown()), previous_attributes: z.record(z.string(), z.unknown()).optional() }),
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

/** The inbox row for an event; `verifiedBy` says how we know it is Stripe's (a secret, or the API). */
export function toRecorded(event: StripeEventEnvelope, verifiedBy: string): RecordedEvent {
  const e = jsonbSafe(event)
  return {
    id: e.id,
    type: e.type,
    apiVersion: e.api_version ?? null,
    apiVersionMismatch: !!e.api_version && e.api_version !== STRIPE_API_VERSION,
    account: e.account ?? null,
    livemode: e.livemode,
    created: new Date(e.created * 1000),
    ...routeEvent(e),
    payload: e,
    verifiedBy,
  }
}
