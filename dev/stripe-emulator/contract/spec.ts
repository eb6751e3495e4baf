// Stripe's OpenAPI spec, loaded once per process and turned into JSON Schema for ajv: `nullable`
// becomes `anyOf [..., null]`, `$ref`s point into one schema document, `x-*` keys are dropped, and an
// object with declared properties admits no others (Stripe's response schemas list every field, so
// a field the emulator invents is a mismatch). The fields our pinned API version has beyond the
// spec's are added from api-version-additions.ts, the one place that difference is kept.
import { readFileSync } from 'node:fs'
import { specPaths } from './spec-location.ts'
import { ADDITIONS } from './api-version-additions.ts'

export type Schema = Record<string, any>

export interface Spec {
  version: string
  /** components.schemas as JSON Schema, keyed by schema name (refs are `stripe#/definitions/<name>`). */
  definitions: Record<string, Schema>
  /** The raw spec (paths and operations keep OpenAPI's form; requests.ts reads them). */
  raw: Schema
  /** `object` value → schema names carrying it (e.g. invoice → [deleted_invoice, invoice]). */
  byObject: Map<string, string[]>
}

let loaded: Spec | undefined

export function loadSpec(): Spec {
  if (loaded) return loaded
  const path = specPaths().spec
  let raw: Schema
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'))
  } catch (err) {
    throw new Error(`Stripe's OpenAPI spec is not at ${path} (npm start / npm test install it with go): ${(err as Error).message}`)
  }
  const definitions: Record<string, Schema> = {}
  const byObject = new Map<string, string[]>()
  const schemas = raw.components.schemas as Record<string, Schema>
  // Stripe objects: schemas with an `object` discriminator (customer, deleted_customer, card, ...).
  const resources = new Set(Object.keys(schemas).filter((n) => schemas[n].properties?.object?.enum))
  for (const [name, schema] of Object.entries(schemas)) {
    const extra = ADDITIONS[name]
    const withAdditions = extra ? { ...schema, properties: { ...schema.properties, ...extra.properties }, required: [...(schema.required ?? []), ...(extra.required ?? [])] } : schema
    definitions[name] = toJsonSchema(withAdditions, true, resources)
    for (const value of schema.properties?.object?.enum ?? []) byObject.set(value, [...(byObject.get(value) ?? []), name])
  }
  loaded = { version: raw.info.version, definitions, raw, byObject }
  return loaded
}

/** The schema name for a Stripe object: by its `object` value, `deleted_<x>` when `deleted: true`. */
export function schemaNameOf(obj: Record<string, unknown>): string | null {
  const names = loadSpec().byObject.get(String(obj.object))
  if (!names) return null
  if (names.length === 1) return names[0]
  const deleted = names.find((n) => n.startsWith('deleted_'))
  return (obj.deleted === true ? deleted : names.find((n) => !n.startsWith('deleted_'))) ?? names[0]
}

/** OpenAPI 3.0 schema → JSON Schema (draft-07) as ajv reads it. */
function toJsonSchema(node: any, closeObjects = true, resources: Set<string> = new Set()): any {
  if (Array.isArray(node)) return node.map((n) => toJsonSchema(n, closeObjects, resources))
  if (typeof node !== 'object' || node === null) return node
  if (typeof node.$ref === 'string') {
    // A Stripe object nested in another (expanded, or a list's items) is checked against its own
    // type's schema when met (keyword `stripeObject`), so no schema compiles the whole API graph.
    const name = node.$ref.replace('#/components/schemas/', '')
    return resources.has(name) ? { type: 'object', stripeObject: [name] } : { $ref: `stripe#/definitions/${name}` }
  }
  const out: Schema = {}
  for (const [k, v] of Object.entries(node)) {
    if (k.startsWith('x-') || k === 'description' || k === 'title' || k === 'format' || k === 'nullable') continue
    if (k === 'properties') out.properties = Object.fromEntries(Object.entries(v as Schema).map(([p, s]) => [p, toJsonSchema(s, closeObjects, resources)]))
    else out[k] = typeof v === 'object' ? toJsonSchema(v, closeObjects, resources) : v
  }
  if (closeObjects && out.properties && out.additionalProperties === undefined) out.additionalProperties = false
  return node.nullable ? { anyOf: [out, { type: 'null' }] } : out
}
