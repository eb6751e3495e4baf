// What an event is about, for routing only: its object and the Stripe customer it concerns. The
// sync never trusts the payload's state; it fetches the customer's current state (DESIGN rule 1).

export interface EventRouting {
  objectType: string | null
  objectId: string | null
  customerId: string | null
}

type StripeObjectLike = { id?: unknown; object?: unknown; customer?: unknown }

function idOf(value: unknown): string | null {
  if (typeof value === 'string') return value
  if (value && typeof value === 'object' && typeof (value as { id?: unknown }).id === 'string') return (value as { id: string }).id
  return null
}

export function routeEvent(event: { data?: { object?: unknown } }): EventRouting {
  const obj = (event.data?.object ?? {}) as StripeObjectLike
  const objectType = typeof obj.object === 'string' ? obj.object : null
  const objectId = typeof obj.id === 'string' ? obj.id : null
  const customerId = objectType === 'customer' ? objectId : idOf(obj.customer)
  return { objectType, objectId, customerId }
}
