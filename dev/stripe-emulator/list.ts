// List endpoints: newest first, `limit` (1-100, default 10), `starting_after` / `ending_before`
// cursors, `created` ranges, and `expand[]` paths (`data.` prefixed for list items), as Stripe does.
import type { Obj } from './shape.ts'
import type { Emulator } from './emulator.ts'
import { invalid } from './errors.ts'
import type { Params } from './form.ts'
import { invoicePayments } from './billing/payments.ts'

export function int(value: unknown, param: string): number | undefined {
  if (value === undefined || value === '') return undefined
  const n = Number(value)
  if (!Number.isInteger(n)) throw invalid(`Invalid integer: ${String(value)}`, param, 'parameter_invalid_integer')
  return n
}

export function bool(value: unknown, param: string): boolean | undefined {
  if (value === undefined || value === '') return undefined
  if (value === true || value === 'true') return true
  if (value === false || value === 'false') return false
  throw invalid(`Invalid boolean: ${String(value)}`, param)
}

function matchesCreated(created: number, filter: unknown): boolean {
  if (filter === undefined) return true
  if (typeof filter !== 'object' || filter === null) return created === int(filter, 'created')
  const f = filter as Record<string, string>
  if (f.gt !== undefined && !(created > int(f.gt, 'created[gt]')!)) return false
  if (f.gte !== undefined && !(created >= int(f.gte, 'created[gte]')!)) return false
  if (f.lt !== undefined && !(created < int(f.lt, 'created[lt]')!)) return false
  if (f.lte !== undefined && !(created <= int(f.lte, 'created[lte]')!)) return false
  return true
}

/** `items` in creation order; answers a page of them newest first. */
export function page(emu: Emulator, url: string, items: Obj[], params: Params): Obj {
  const limit = int(params.limit, 'limit') ?? 10
  if (limit < 1 || limit > 100) throw invalid('Invalid limit: must be between 1 and 100.', 'limit')
  let all = items.filter((o) => matchesCreated(o.created, params.created)).reverse()
  let hasMore: boolean
  let data: Obj[]
  if (params.ending_before) {
    const i = all.findIndex((o) => o.id === params.ending_before)
    if (i < 0) throw invalid(`No such object: '${params.ending_before}'`, 'ending_before', 'resource_missing')
    all = all.slice(0, i)
    data = all.slice(Math.max(0, all.length - limit))
    hasMore = all.length > limit
  } else {
    if (params.starting_after) {
      const i = all.findIndex((o) => o.id === params.starting_after)
      if (i < 0) throw invalid(`No such object: '${params.starting_after}'`, 'starting_after', 'resource_missing')
      all = all.slice(i + 1)
    }
    data = all.slice(0, limit)
    hasMore = all.length > limit
  }
  const list = { object: 'list', data, has_more: hasMore, url }
  return expand(emu, list, expandPaths(params))
}

export function expandPaths(params: Params): string[] {
  const e = params.expand
  if (e === undefined) return []
  return Array.isArray(e) ? e.map(String) : [String(e)]
}

const MAX_EXPAND_DEPTH = 4

/** How many items a list embedded in an object holds (a customer's `subscriptions`). */
const EMBEDDED_LIST_LIMIT = 10

/** A copy of `obj` with each path's ids replaced by the objects they name. */
export function expand(emu: Emulator, obj: Obj, paths: string[]): Obj {
  // Stripe refuses paths deeper than four properties (`data.` of a list counts as one).
  const deep = paths.find((p) => p.split('.').length > MAX_EXPAND_DEPTH)
  if (deep) throw invalid(`You cannot expand more than ${MAX_EXPAND_DEPTH} levels of a property.`, 'expand')
  const out = structuredClone(obj)
  for (const path of paths) walk(emu, out, path.split('.'), path)
  return out
}

/** Fields Stripe leaves out unless asked for with expand[] (its "includable" fields). */
const INCLUDABLE: Record<string, Record<string, (emu: Emulator, obj: Obj) => unknown>> = {
  invoice: { payments: (emu, inv) => ({ object: 'list', data: structuredClone(invoicePayments(emu, inv.id)), has_more: false, url: `/v1/invoice_payments?invoice=${inv.id}` }) },
  // The customer's subscriptions that have not ended, newest first: like every list Stripe embeds in an
  // object, at most 10, with `has_more` saying whether the list endpoint has more.
  customer: {
    subscriptions: (emu, c) => {
      const subs = emu.ofCustomer('subscription', c.id).filter((s) => !['canceled', 'incomplete_expired'].includes(s.status)).reverse()
      return { object: 'list', data: structuredClone(subs.slice(0, EMBEDDED_LIST_LIMIT)), has_more: subs.length > EMBEDDED_LIST_LIMIT, url: `/v1/customers/${c.id}/subscriptions` }
    },
  },
}

function walk(emu: Emulator, node: any, segs: string[], path: string): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(emu, item, segs, path)
    return
  }
  if (node === null || typeof node !== 'object') return
  const [seg, ...rest] = segs
  if (!(seg in node)) {
    const include = INCLUDABLE[node.object]?.[seg]
    if (!include) throw invalid(`This property cannot be expanded (${path}).`, 'expand')
    node[seg] = include(emu, node)
  }
  let value = node[seg]
  // An array of ids (a subscription's or invoice's `discounts`) expands item by item.
  if (Array.isArray(value) && value.some((v) => typeof v === 'string')) {
    value = node[seg] = value.map((v) => (typeof v === 'string' && emu.find(v) ? structuredClone(emu.find(v)) : v))
  }
  if (typeof value === 'string') {
    const target = emu.find(value)
    if (!target) return
    value = node[seg] = structuredClone(target)
  }
  if (rest.length > 0) walk(emu, value, rest, path)
}
