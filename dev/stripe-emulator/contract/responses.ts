// Response conformance: an object the emulator returns (or sends as an event's data.object) checked
// against the spec's schema for its `object` type, recursively (expanded and nested objects included,
// since the spec's expandable fields are `anyOf [id, object]`). Validators compile on first use.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import { loadSpec, schemaNameOf } from './spec.ts'

export interface Mismatch {
  /** The object type checked (`invoice`, `list`, `error`...). */
  type: string
  /** JSON path of the offending value, from the checked object (`/lines/data/0/amount`). */
  path: string
  /** The schema rule it breaks, e.g. `required: must have required property 'x'`. */
  rule: string
}

let ajv: Ajv | undefined
const compiled = new Map<string, ValidateFunction>()

function validatorFor(name: string): ValidateFunction {
  let v = compiled.get(name)
  if (!v) {
    if (!ajv) {
      ajv = new Ajv({ strict: false, allErrors: false, validateFormats: false, validateSchema: false, inlineRefs: false, code: { optimize: false } })
      ajv.addKeyword({
        keyword: 'stripeObject',
        schemaType: 'array',
        type: 'object',
        errors: true,
        validate: function nested(allowed: string[], data: unknown) {
          const name = schemaNameOf(data as Record<string, unknown>)
          const m = name && allowed.includes(name) ? checkObject(data) : { path: '/object', rule: `enum: must be one of ${allowed.join(', ')}` }
          ;(nested as unknown as { errors: unknown[] }).errors = m ? [{ keyword: 'stripeObject', message: `${m.path} ${m.rule}`, params: {} }] : []
          return m === null
        },
      })
      ajv.addSchema({ $id: 'stripe', definitions: loadSpec().definitions })
    }
    const got = ajv.getSchema(`stripe#/definitions/${name}`)
    if (!got) throw new Error(`no schema ${name} in Stripe's spec`)
    compiled.set(name, (v = got))
  }
  return v
}

/** The most specific error: anyOf reports every branch; the deepest path is the one that says why. */
function describe(errors: ErrorObject[]): { path: string; rule: string } {
  const best = [...errors].sort((a, b) => b.instancePath.split('/').length - a.instancePath.split('/').length || Number(a.keyword === 'anyOf') - Number(b.keyword === 'anyOf'))[0]
  const detail = best.keyword === 'additionalProperties' ? ` '${best.params.additionalProperty}'` : best.keyword === 'enum' ? ` ${JSON.stringify(best.params.allowedValues)}` : ''
  return { path: best.instancePath || '/', rule: `${best.keyword}: ${best.message}${detail}` }
}

function check(name: string, type: string, value: unknown, at: string): Mismatch | null {
  const v = validatorFor(name)
  if (v(value)) return null
  const errors = v.errors ?? []
  // An expanded or nested Stripe object that fails inside an `anyOf [id, object]` is judged by its
  // own type's schema, which names the field at fault rather than "must be string".
  for (const e of [...errors].sort((a, b) => b.instancePath.length - a.instancePath.length)) {
    const nested = e.instancePath ? pointer(value, e.instancePath) : undefined
    const nestedName = nested && typeof nested === 'object' && !Array.isArray(nested) ? schemaNameOf(nested as Record<string, unknown>) : null
    if (nestedName) {
      const m = check(nestedName, String((nested as Record<string, unknown>).object), nested, at + e.instancePath)
      if (m) return { ...m, type }
    }
  }
  const d = describe(errors)
  return { type, path: at + (d.path === '/' && at ? '' : d.path), rule: d.rule }
}

function pointer(root: unknown, path: string): unknown {
  let node: any = root
  for (const part of path.split('/').slice(1)) node = node?.[part.replace(/~1/g, '/').replace(/~0/g, '~')]
  return node
}

/**
 * Checks one JSON body the API answers: a Stripe object by its `object` type, a list or search
 * result item by item (plus its envelope), an error body against the `error` schema.
 */
export function checkResponse(body: unknown): Mismatch | null {
  if (typeof body !== 'object' || body === null) return { type: 'unknown', path: '/', rule: 'type: must be a JSON object' }
  const obj = body as Record<string, any>
  if (obj.error && obj.object === undefined) return check('error', 'error', obj, '')
  if (obj.object === 'list' || obj.object === 'search_result') {
    const { data, ...envelope } = obj
    const keys = obj.object === 'list' ? ['object', 'has_more', 'url'] : ['object', 'has_more', 'url', 'next_page', 'total_count']
    const extra = Object.keys(envelope).find((k) => !keys.includes(k))
    if (extra) return { type: obj.object, path: `/${extra}`, rule: `additionalProperties: must NOT have additional properties '${extra}'` }
    if (!Array.isArray(data)) return { type: obj.object, path: '/data', rule: 'type: must be array' }
    for (const [i, item] of data.entries()) {
      const m = checkObject(item, `/data/${i}`)
      if (m) return m
    }
    return null
  }
  return checkObject(obj, '')
}

/** Checks a Stripe object (an API answer or an event's data.object) against its type's schema. */
export function checkObject(obj: unknown, at = ''): Mismatch | null {
  const type = String((obj as Record<string, unknown>)?.object ?? 'unknown')
  const name = typeof obj === 'object' && obj !== null ? schemaNameOf(obj as Record<string, unknown>) : null
  if (!name) return { type, path: at || '/', rule: `object: no schema in the spec for object type '${type}'` }
  return check(name, type, obj, at)
}

/** The types the emulator serves, compiled ahead (at start) so no request waits for a compile. */
const SERVED = ['billing_portal.session', 'charge', 'checkout.session', 'customer', 'deleted_customer', 'deleted_invoice', 'deleted_invoiceitem', 'deleted_product', 'deleted_test_helpers.test_clock', 'deleted_webhook_endpoint', 'error', 'event', 'invoice', 'invoice_payment', 'invoiceitem', 'item', 'line_item', 'payment_intent', 'payment_method', 'price', 'product', 'subscription', 'subscription_item', 'test_helpers.test_clock', 'webhook_endpoint']

export function warmUp(): void {
  for (const name of SERVED) validatorFor(name)
}
