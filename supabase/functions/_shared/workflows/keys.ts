// Trigger, cancel and idempotency keys are built from ids checked here, never from whatever a payload
// holds: a charge without `object` once made the key `undefined:ch_...`, which named no real run and
// failed on every retry. A part that is not a plausible id makes the whole key null: the run cannot
// start, and dispatch records why (ops.workflow_failures).

/** Stripe ids (`ch_1N...`), custom product and price ids, UUIDs, internal event keys (`<run>:<step>`). */
const ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,254}$/

/** The value when it is a usable key part (a non-empty id-like string or a finite integer), else null. */
function keyPart(value: unknown): string | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? String(value) : null
  return typeof value === 'string' && ID.test(value) ? value : null
}

/** `<kind>:<part>:<part>...`, or null when any part is missing or not id-like. */
export function keyOf(kind: string, ...parts: unknown[]): string | null {
  const checked = parts.map(keyPart)
  return checked.every((p): p is string => p !== null) ? [kind, ...checked].join(':') : null
}

/** The id of an expandable Stripe field (an id, or the expanded object), when it is id-like. */
export function validIdOf(value: unknown): string | null {
  if (value && typeof value === 'object') return keyPart((value as { id?: unknown }).id)
  return keyPart(value)
}
