// Postgres text and jsonb cannot hold U+0000, which JSON (and so a Stripe object) can carry, for example
// in a name or metadata value a customer typed. Stored as is, such an event could never be recorded
// (Stripe would be answered 503 until it gave up) and such a customer never synced (a dead letter).
// U+0000 becomes U+FFFD, the replacement character, in every string and key; the result is what
// JSON.stringify would have written otherwise.

const NUL = /\u0000/g

export function jsonbSafe<T>(value: T): T {
  if (typeof value === 'string') return (value.includes('\u0000') ? value.replace(NUL, '\uFFFD') : value) as T
  if (Array.isArray(value)) return value.map(jsonbSafe) as T
  if (value !== null && typeof value === 'object') {
    // As JSON.stringify sees it: the stripe client's Decimal fields (unit_amount_decimal) and Dates.
    const toJSON = (value as { toJSON?: () => unknown }).toJSON
    if (typeof toJSON === 'function') return jsonbSafe(toJSON.call(value)) as T
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k.includes('\u0000') ? k.replace(NUL, '\uFFFD') : k] = jsonbSafe(v)
    return out as T
  }
  return value
}
