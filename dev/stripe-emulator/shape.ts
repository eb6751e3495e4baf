// Complete Stripe objects, derived from Stripe's own contract (the pinned stripe-mock's spec3.json and
// fixtures3.json, read where dev/stack/stripe-contract.ts installs them): the fields Stripe's fixture
// of a resource has that the spec still documents, plus every field the spec requires, each with a
// neutral value of the spec's type (null where nullable, 0, false, [], {}, an empty list, the first
// enum value) wherever a builder sets nothing. Builders pass `satisfies Partial<Stripe.X>` objects,
// so a misspelled or mistyped field fails `tsc`; strict mode checks the result against the spec.
import { readFileSync } from 'node:fs'
import { loadSpec, type Schema } from './contract/spec.ts'
import { specPaths } from './contract/spec-location.ts'

export type Obj = Record<string, any>

let fixtures: Record<string, Obj> | undefined
const defaults = new Map<string, Obj>()

function schemaOf(name: string): Schema {
  const s = loadSpec().raw.components.schemas[name]
  if (!s) throw new Error(`no schema for ${name} in Stripe's spec`)
  return s
}

function resolve(s: Schema): Schema {
  return typeof s.$ref === 'string' ? schemaOf(s.$ref.split('/').pop()!) : s
}

/** A neutral value of a field's type; null where the spec allows it or no neutral value exists. */
function neutral(s: Schema, depth = 0): unknown {
  if (s.nullable || depth > 6) return null
  // An expandable field (`anyOf [id, object]`) has no neutral value; other unions take their first form.
  if (s.anyOf) return s.anyOf.some((b: Schema) => b.type === 'string') ? null : neutral(resolve(s.anyOf[0]), depth + 1)
  const t = resolve(s)
  if (t !== s) return neutral(t, depth + 1)
  switch (t.type) {
    case 'boolean': return false
    case 'integer':
    case 'number': return 0
    case 'array': return []
    case 'string': return t.enum ? t.enum[0] : null
    case 'object': {
      if (t.properties?.object?.enum?.[0] === 'list') return { object: 'list', data: [], has_more: false, url: String(t.properties.url?.pattern ?? '').replace(/^\^/, '') }
      if (!t.properties) return {}
      return objectDefaults(t, null, depth + 1)
    }
    default: return null
  }
}

/** Required fields and nullable ones (Stripe sends null), or the fixture's fields where there is one. */
function objectDefaults(s: Schema, fixture: Obj | null, depth: number): Obj {
  const required = new Set<string>(s.required ?? [])
  const out: Obj = {}
  for (const [k, prop] of Object.entries(s.properties as Record<string, Schema>)) {
    const present = fixture ? k in fixture || required.has(k) : required.has(k) || prop.nullable
    if (present) out[k] = required.has(k) || !prop.nullable ? neutral(prop, depth) : null
  }
  return out
}

function defaultsOf(resource: string): Obj {
  let d = defaults.get(resource)
  if (!d) {
    fixtures ??= JSON.parse(readFileSync(specPaths().fixtures, 'utf8')).resources as Record<string, Obj>
    d = objectDefaults(schemaOf(resource), fixtures[resource] ?? null, 0)
    defaults.set(resource, d)
  }
  return d
}

/** The field names a complete object of this resource has (for tests). */
export function knownFields(resource: string): string[] {
  return Object.keys(defaultsOf(resource))
}

export function shape<T extends object>(resource: string, fields: T): Obj {
  const out = structuredClone(defaultsOf(resource))
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) out[k] = v
  if ('livemode' in out) out.livemode = false
  return out
}

/** A Stripe list object. */
export function listOf(url: string, data: Obj[], hasMore = false): Obj {
  return { object: 'list', data, has_more: hasMore, url }
}
