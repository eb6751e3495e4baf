// What every resource module shares: the route table type, metadata updates, and previous_attributes.
import type { Obj } from '../shape.ts'
import type { Emulator } from '../emulator.ts'
import type { Params } from '../form.ts'
import { invalid } from '../errors.ts'

export interface Route {
  method: 'GET' | 'POST' | 'DELETE'
  path: RegExp
  handle: (emu: Emulator, params: Params, match: string[]) => Obj
}

export const route = (method: Route['method'], path: string, handle: Route['handle']): Route => ({
  method,
  // `:id` segments match one path segment.
  path: new RegExp(`^${path.replace(/:[a-z_]+/g, '([^/]+)')}$`),
  handle,
})

/** Stripe's metadata update: keys merge, an empty value deletes a key, `metadata=""` clears all. */
export function mergeMetadata(current: Record<string, string>, param: unknown): Record<string, string> {
  if (param === undefined) return current
  if (param === '' || param === null) return {}
  if (typeof param !== 'object') throw invalid('Invalid metadata: must be an object', 'metadata')
  const out = { ...current }
  for (const [k, v] of Object.entries(param as Record<string, unknown>)) {
    if (k.length > 40) throw invalid(`Metadata key ${k} exceeds 40 characters`, `metadata[${k}]`)
    if (v === '' || v === null) delete out[k]
    else {
      if (String(v).length > 500) throw invalid(`Metadata value for ${k} exceeds 500 characters`, `metadata[${k}]`)
      out[k] = String(v)
    }
  }
  if (Object.keys(out).length > 50) throw invalid('Metadata can have at most 50 keys', 'metadata')
  return out
}

/** The top-level fields of `after` that differ from `before`, with their old values (Stripe's `previous_attributes`). */
export function previousAttributes(before: Obj, after: Obj): Obj | null {
  const prev: Obj = {}
  for (const k of Object.keys(after)) {
    if (JSON.stringify(before[k]) !== JSON.stringify(after[k])) prev[k] = before[k] ?? null
  }
  return Object.keys(prev).length ? prev : null
}

/** Applies `change` to `obj` and emits `<type>.updated` with previous_attributes when anything changed. */
export function update(emu: Emulator, obj: Obj, change: (o: Obj) => void, eventType: string, clockId: string | null = null): Obj {
  const before = structuredClone(obj)
  change(obj)
  const prev = previousAttributes(before, obj)
  if (prev) emu.emit(eventType, obj, prev, clockId)
  return obj
}

export function str(value: unknown, param: string, max = 5000): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string') throw invalid(`Invalid string: ${param}`, param)
  if (value.length > max) throw invalid(`${param} is too long (max ${max})`, param)
  return value
}

/** `''` unsets a nullable field, as Stripe allows. */
export function nullable(value: unknown, param: string): string | null | undefined {
  if (value === '') return null
  return str(value, param)
}

export function oneOf<T extends string>(value: unknown, allowed: readonly T[], param: string): T | undefined {
  if (value === undefined) return undefined
  if (!allowed.includes(value as T)) throw invalid(`Invalid ${param}: must be one of ${allowed.join(', ')}`, param)
  return value as T
}
