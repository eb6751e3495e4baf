// Request conformance: a /v1 request's parameters checked against its operation in Stripe's spec
// (query parameters for GET and DELETE, the form body's schema for POST). A refusal carries what
// Stripe answers for it: 400 invalid_request_error with `param` and, where Stripe's documented error
// codes have one, `code` (parameter_unknown, parameter_missing, parameter_invalid_integer,
// parameter_invalid_empty); a wrong enum value or type gets Stripe's "Invalid ..." message.
import { REQUEST_ENUM_ADDITIONS } from './api-version-additions.ts'
import { loadSpec, type Schema } from './spec.ts'

export interface Operation { method: string; template: string; regex: RegExp; params: Schema }
export interface Refusal { param: string; message: string; code?: string }

let operations: Operation[] | undefined

function resolve(s: Schema | undefined): Schema {
  let node = s ?? {}
  while (typeof node.$ref === 'string') node = loadSpec().raw.components.schemas[node.$ref.split('/').pop()!]
  return node
}

function build(): Operation[] {
  const ops: Operation[] = []
  for (const [template, item] of Object.entries(loadSpec().raw.paths as Record<string, Schema>)) {
    const regex = new RegExp(`^${template.replace(/\{[^}]+\}/g, '([^/]+)')}$`)
    for (const method of ['get', 'post', 'delete']) {
      const op = item[method]
      if (!op) continue
      // The emulator reads a POST's form body, and a GET's or DELETE's query string: the spec puts
      // DELETE parameters (subscriptions' invoice_now, prorate) in a form body, so both count there.
      const body = resolve(op.requestBody?.content?.['application/x-www-form-urlencoded']?.schema)
      const query = method === 'post' ? [] : (op.parameters ?? []).filter((p: Schema) => p.in === 'query')
      const params: Schema = {
        type: 'object',
        properties: { ...body.properties, ...Object.fromEntries(query.map((p: Schema) => [p.name, p.schema])) },
        required: [...(body.required ?? []), ...query.filter((p: Schema) => p.required).map((p: Schema) => p.name)],
        additionalProperties: false,
      }
      ops.push({ method: method.toUpperCase(), template, regex, params })
    }
  }
  // Literal segments win over `{id}` ones (/v1/customers/search before /v1/customers/{customer}).
  return ops.sort((a, b) => (a.template.match(/\{/g)?.length ?? 0) - (b.template.match(/\{/g)?.length ?? 0))
}

export function operationFor(method: string, path: string): Operation | null {
  operations ??= build()
  return operations.find((o) => o.method === method && o.regex.test(path)) ?? null
}

const kind = (v: unknown) => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v)
const allowsEmpty = (s: Schema): boolean => (s.enum ?? []).includes('') || (s.anyOf ?? []).some((b: Schema) => allowsEmpty(resolve(b)))

/** Why `value` breaks `schema` at `param` (form encoding: scalars arrive as strings), or null. */
function refusal(schemaIn: Schema, value: unknown, param: string): Refusal | null {
  const schema = resolve(schemaIn)
  if (value === '' && schema.type !== 'string' && !schema.anyOf) {
    return allowsEmpty(schema) ? null : { param, code: 'parameter_invalid_empty', message: `You passed an empty string for '${param}'. We assume empty values are an attempt to unset a parameter; however '${param}' cannot be unset. You should remove '${param}' from your request or supply a non-empty value.` }
  }
  if (schema.anyOf) {
    if (value === '' && allowsEmpty(schema)) return null
    const tries = (schema.anyOf as Schema[]).map((b) => refusal(b, value, param))
    if (tries.some((t) => t === null)) return null
    // The branch of the value's own kind explains best (an object's unknown key, not "Invalid string").
    const own = (schema.anyOf as Schema[]).findIndex((b) => (resolve(b).type === 'object') === (kind(value) === 'object'))
    return tries[own >= 0 ? own : 0]
  }
  switch (schema.type) {
    case 'object': {
      if (kind(value) !== 'object') return { param, message: `Invalid object` }
      const obj = value as Record<string, unknown>
      const props: Schema = schema.properties ?? {}
      for (const name of schema.required ?? []) {
        if (obj[name] === undefined) return { param: join(param, name), code: 'parameter_missing', message: `Missing required param: ${join(param, name)}.` }
      }
      for (const [k, v] of Object.entries(obj)) {
        const sub = props[k] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined)
        if (!sub) {
          if (schema.additionalProperties === true || (!schema.properties && schema.additionalProperties === undefined)) continue
          return { param: join(param, k), code: 'parameter_unknown', message: `Received unknown parameter: ${join(param, k)}` }
        }
        const r = refusal(sub, v, join(param, k))
        if (r) return r
      }
      return null
    }
    case 'array': {
      if (kind(value) !== 'array') return { param, message: `Invalid array` }
      for (const [i, v] of (value as unknown[]).entries()) {
        const r = refusal(schema.items ?? {}, v, `${param}[${i}]`)
        if (r) return r
      }
      return null
    }
    case 'integer':
      return /^-?\d+$/.test(String(value)) && kind(value) !== 'object' ? null : { param, code: 'parameter_invalid_integer', message: `Invalid integer: ${String(value)}` }
    case 'number':
      return /^-?(\d+\.?\d*|\.\d+)$/.test(String(value)) && kind(value) !== 'object' ? null : { param, message: `Invalid decimal: ${String(value)}` }
    case 'boolean':
      return value === true || value === false || value === 'true' || value === 'false' ? null : { param, message: `Invalid boolean: ${String(value)}` }
    case 'string': {
      if (kind(value) !== 'string' && kind(value) !== 'number') return { param, message: `Invalid string: ${JSON.stringify(value)}` }
      // Values the pinned version accepts beyond the spec's (api-version-additions.ts).
      const extra = REQUEST_ENUM_ADDITIONS[param.replace(/\[\d+\]/g, '[]')] ?? []
      const allowed = schema.enum ? [...schema.enum, ...extra] : schema.enum
      if (allowed && !allowed.includes(String(value))) return { param, message: `Invalid ${param}: must be one of ${listOr(allowed)}` }
      if (schema.maxLength && String(value).length > schema.maxLength) return { param, message: `Invalid ${param}: must be at most ${schema.maxLength} characters` }
      return null
    }
    default:
      return null
  }
}

function join(param: string, key: string): string {
  return param ? `${param}[${key}]` : key
}

function listOr(values: string[]): string {
  const v = values.filter((x) => x !== '')
  return v.length > 1 ? `${v.slice(0, -1).join(', ')}, or ${v[v.length - 1]}` : v.join('')
}

/** Checks a request; null when the spec has no such operation (the router answers 404 for it). */
export function checkRequest(method: string, path: string, params: Record<string, unknown>): { operation: string; refusal: Refusal | null } | null {
  const op = operationFor(method, path)
  if (!op) return null
  return { operation: `${op.method} ${op.template}`, refusal: refusal(op.params, params, '') }
}
