// The webhook's fast path over a signed body: most events need neither zod's copy of the envelope nor
// jsonbSafe's copy of the whole payload, and their text can go to Postgres as it came. Each check here
// is at least as strict as the slow path's, so an event it passes would have been accepted unchanged
// there; anything else takes the slow path (envelope.ts), which gives the precise refusal.
import { MAX_JSON_DEPTH } from '../jsonb.ts'

// In JSON text, U+0000 and UTF-16 surrogates can only appear escaped (a raw control character is not
// JSON, and UTF-8 decoding yields no lone surrogate). Paired surrogates (an escaped emoji) take the slow path too.
const UNSTORABLE_ESCAPE = /\\u(0000|[dD][89a-fA-F])/

/** At most MAX_JSON_DEPTH brackets in all, in strings or not: then no nesting can be deeper. */
function fewBrackets(text: string): boolean {
  let n = 0
  for (let i = text.indexOf('{'); i !== -1 && n <= MAX_JSON_DEPTH; i = text.indexOf('{', i + 1)) n++
  for (let i = text.indexOf('['); i !== -1 && n <= MAX_JSON_DEPTH; i = text.indexOf('[', i + 1)) n++
  return n <= MAX_JSON_DEPTH
}

/** True when the text, parsed, is already what jsonbSafe would return (nothing to replace, not too deep). */
export function storableAsIs(text: string): boolean {
  if (UNSTORABLE_ESCAPE.test(text)) return false
  // The usual event has a few dozen brackets: counted natively, without the walk below (a tenth as long).
  if (fewBrackets(text)) return true
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92) i++ // backslash: skip the escaped character
      else if (c === 34) inString = false
    } else if (c === 34) inString = true
    else if (c === 123 || c === 91) {
      if (++depth > MAX_JSON_DEPTH) return false
    } else if (c === 125 || c === 93) depth--
  }
  return true
}

const isText = (v: unknown, max: number) => typeof v === 'string' && v.length <= max
const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const isOptionalText = (v: unknown) => v === undefined || v === null || typeof v === 'string'

/** The checks of envelope.ts's StripeEvent (v1 snapshot events), without building a copy. */
export function isPlainStripeEvent(e: unknown): boolean {
  if (!isPlainObject(e)) return false
  const { id, object, type, api_version, account, created, livemode, data } = e
  return isText(id, 255) && (id as string).startsWith('evt_') && object === 'event' &&
    isText(type, 255) && (type as string).length > 0 && isOptionalText(api_version) && isOptionalText(account) &&
    Number.isInteger(created) && (created as number) >= 0 && (created as number) <= 253402300799 &&
    typeof livemode === 'boolean' && isPlainObject(data) && isPlainObject(data.object)
}
