// What an event is about, for routing only: its object and the Stripe customer it concerns. The
// sync never trusts the payload's state; it fetches the customer's current state (DESIGN rule 1).

export interface EventRouting {
  objectType: string | null
  objectId: string | null
  customerId: string | null
}

type StripeObjectLike = { id?: unknown; object?: unknown; customer?: unknown }

// Only id-like strings route: whatever else a signed payload holds there (a 5 kB string, text with
// spaces) would name no Stripe object, and a long one could not even be indexed, so the event could
// never be stored. Such a field routes as absent; the event is still recorded whole.
const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$/

function id(value: unknown): string | null {
  return typeof value === 'string' && ID.test(value) ? value : null
}

function idOf(value: unknown): string | null {
  return value && typeof value === 'object' ? id((value as { id?: unknown }).id) : id(value)
}

export function routeEvent(event: { data?: { object?: unknown } }): EventRouting {
  const obj = (event.data?.object ?? {}) as StripeObjectLike
  const objectType = id(obj.object)
  const objectId = id(obj.id)
  // A customer event without `object` is still about that customer when its id says so.
  const isCustomer = objectType === 'customer' || (objectType === null && objectId?.startsWith('cus_'))
  const customerId = isCustomer ? objectId : idOf(obj.customer)
  return { objectType, objectId, customerId }
}
