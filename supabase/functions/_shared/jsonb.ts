// Postgres text and jsonb cannot hold every string JSON can: U+0000, and lone UTF-16 surrogates (a
// `\ud800` escape JSON.parse accepts, which Postgres refuses as "Unicode low surrogate must follow a high
// surrogate"). Both reach us in names or metadata a customer typed. Stored as is, such an event could
// never be recorded (Stripe would be answered 503 until it gave up) and such a customer never synced
// (a dead letter). Each such character becomes U+FFFD, the replacement character, in every string and
// key; the result is what JSON.stringify would have written otherwise.
//
// Nesting is bounded too: Stripe objects nest a few levels (expansions stop at 4), while a body nested
// thousands deep would overflow the stack here or in Postgres' parser, a failure no retry can fix.
import { NonRetriableError } from './errors.ts'

/** Deeper than any Stripe object (and its event envelope), far below any stack limit. */
export const MAX_JSON_DEPTH = 100

/** U+0000, a high surrogate not followed by a low one, or a low surrogate not preceded by a high one. */
// deno-lint-ignore no-control-regex -- U+0000 is what Postgres cannot store: matching it is the point.
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

/** Too deep to store: the caller answers 4xx (webhook) or dead-letters the sync at once. */
export class JsonTooDeepError extends NonRetriableError {
  constructor(readonly path: string) {
    super(`JSON nested deeper than ${MAX_JSON_DEPTH} levels (at ${path.length > 80 ? `${path.slice(0, 80)}...` : path})`)
    this.name = 'JsonTooDeepError'
  }
}

function safeString(s: string): string {
  UNSTORABLE.lastIndex = 0
  return UNSTORABLE.test(s) ? s.replace(UNSTORABLE, '\uFFFD') : s
}

function walk(value: unknown, depth: number, path: string): unknown {
  if (typeof value === 'string') return safeString(value)
  if (value === null || typeof value !== 'object') return value
  if (depth >= MAX_JSON_DEPTH) throw new JsonTooDeepError(path || '(root)')
  if (Array.isArray(value)) return value.map((v, i) => walk(v, depth + 1, `${path}[${i}]`))
  // As JSON.stringify sees it: the stripe client's Decimal fields (unit_amount_decimal) and Dates.
  const toJSON = (value as { toJSON?: () => unknown }).toJSON
  if (typeof toJSON === 'function') return walk(toJSON.call(value), depth, path)
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) {
    const key = safeString(k)
    out[key] = walk(v, depth + 1, path ? `${path}.${key}` : key)
  }
  return out
}

/** A copy Postgres can store as jsonb; throws JsonTooDeepError for nesting past MAX_JSON_DEPTH. */
export function jsonbSafe<T>(value: T): T {
  return walk(value, 0, '') as T
}
