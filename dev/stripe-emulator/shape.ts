// Complete Stripe objects: every top-level field the pinned API version has (names taken from Stripe's
// published fixtures, see fields.json and LICENSE-stripe-openapi), with neutral values (null, false,
// [] or an empty list) wherever a builder sets nothing. Builders pass `satisfies Partial<Stripe.X>`
// objects, so a misspelled or mistyped field fails `tsc`; tests check every field is a known one.
import { readFileSync } from 'node:fs'

export type Obj = Record<string, any>

const FIELDS: Record<string, Obj> = JSON.parse(readFileSync(new URL('./fields.json', import.meta.url), 'utf8'))

/** The field names Stripe's fixtures give for a resource (for tests and for `shape`). */
export function knownFields(resource: string): string[] {
  const f = FIELDS[resource]
  if (!f) throw new Error(`no field list for ${resource}`)
  return Object.keys(f)
}

export function shape<T extends object>(resource: string, fields: T): Obj {
  const defaults = FIELDS[resource]
  if (!defaults) throw new Error(`no field list for ${resource}`)
  const out: Obj = {}
  for (const [k, v] of Object.entries(defaults)) out[k] = structuredClone(v)
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) out[k] = v
  // Most objects carry livemode; a few (refund) do not have the field at all.
  if ('livemode' in defaults) out.livemode = false
  return out
}

/** A Stripe list object. */
export function listOf(url: string, data: Obj[], hasMore = false): Obj {
  return { object: 'list', data, has_more: hasMore, url }
}
