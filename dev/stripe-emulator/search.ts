// The Search API (`GET /v1/<resource>/search?query=...`) for customers, subscriptions, invoices, prices
// and products: Stripe's query language (`field:value` exact and case-insensitive, `field~value`
// substring, `>`, `<`, `>=`, `<=` on numbers, `metadata["key"]:value`, `-` to negate, `null`, clauses
// joined by AND or by OR but not both), `limit` and the `page` cursor of `next_page`, newest first.
import type { Obj } from './shape.ts'
import type { Emulator } from './emulator.ts'
import { invalid } from './errors.ts'
import type { Params } from './form.ts'
import { expand, expandPaths, int } from './list.ts'
import { route, str, type Route } from './resources/common.ts'

interface Clause {
  negate: boolean
  field: string[]
  op: ':' | '~' | '>' | '<' | '>=' | '<='
  value: string | null
}

const CLAUSE = /^(-)?(metadata\[(?:"([^"]+)"|'([^']+)')\]|[a-z_]+(?:\.[a-z_]+)*)(:|~|>=|<=|>|<)("([^"]*)"|'([^']*)'|[^\s"']+)/

function parse(query: string): { clauses: Clause[]; any: boolean } {
  const clauses: Clause[] = []
  const joins = new Set<string>()
  let rest = query.trim()
  if (!rest) throw invalid('The query must not be empty.', 'query')
  for (;;) {
    const m = CLAUSE.exec(rest)
    if (!m) throw invalid(`Invalid query near "${rest.slice(0, 40)}". See https://stripe.com/docs/search#search-query-language.`, 'query')
    const [whole, neg, field, metaDq, metaSq, op, raw, dq, sq] = m
    const quoted = dq ?? sq
    if (op === '~' && (quoted ?? raw).length < 3) throw invalid('The ~ operator needs a value of at least 3 characters.', 'query')
    clauses.push({
      negate: neg === '-',
      field: metaDq ?? metaSq ? ['metadata', (metaDq ?? metaSq)!] : field.split('.'),
      op: op as Clause['op'],
      value: quoted === undefined && raw === 'null' ? null : quoted ?? raw,
    })
    rest = rest.slice(whole.length).trim()
    if (!rest) break
    const join = /^(AND|OR)\s+/.exec(rest)
    if (!join) throw invalid(`Invalid query near "${rest.slice(0, 40)}": join clauses with AND or OR.`, 'query')
    joins.add(join[1])
    rest = rest.slice(join[0].length)
  }
  if (joins.size > 1) throw invalid('A query cannot combine AND and OR.', 'query')
  return { clauses, any: joins.has('OR') }
}

function valueAt(obj: Obj, path: string[]): unknown {
  let v: unknown = obj
  for (const seg of path) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[seg] : undefined
  // An expandable field matches by its id.
  if (v !== null && typeof v === 'object' && typeof (v as { id?: unknown }).id === 'string') return (v as { id: string }).id
  return v
}

function holds(obj: Obj, c: Clause): boolean {
  const v = valueAt(obj, c.field)
  let ok: boolean
  if (c.value === null) ok = c.op === ':' && (v === null || v === undefined)
  else if (c.op === ':') ok = v !== null && v !== undefined && String(v).toLowerCase() === c.value.toLowerCase()
  else if (c.op === '~') ok = typeof v === 'string' && v.toLowerCase().includes(c.value.toLowerCase())
  else {
    const n = Number(c.value)
    if (!Number.isFinite(n)) throw invalid(`${c.op} compares numbers; "${c.value}" is not one.`, 'query')
    ok = typeof v === 'number' && (c.op === '>' ? v > n : c.op === '<' ? v < n : c.op === '>=' ? v >= n : v <= n)
  }
  return c.negate ? !ok : ok
}

function search(emu: Emulator, url: string, items: Obj[], params: Params): Obj {
  const query = str(params.query, 'query')
  if (query === undefined) throw invalid('Missing required param: query.', 'query', 'parameter_missing')
  const { clauses, any } = parse(query)
  const limit = int(params.limit, 'limit') ?? 10
  if (limit < 1 || limit > 100) throw invalid('Invalid limit: must be between 1 and 100.', 'limit')
  const page = str(params.page, 'page')
  const offset = page === undefined ? 0 : Number(Buffer.from(page, 'base64url').toString('utf8').replace(/^offset:/, ''))
  if (!Number.isInteger(offset) || offset < 0) throw invalid('Invalid page: use next_page from the previous result.', 'page')
  const found = items.filter((o) => (any ? clauses.some((c) => holds(o, c)) : clauses.every((c) => holds(o, c)))).reverse()
  const data = found.slice(offset, offset + limit)
  const more = found.length > offset + limit
  const result: Obj = {
    object: 'search_result', data, has_more: more, url,
    next_page: more ? Buffer.from(`offset:${offset + limit}`).toString('base64url') : null,
  }
  return expand(emu, result, expandPaths(params))
}

/** Placed before the resources' own routes, so `/search` is not read as an id. */
export const searchRoutes: Route[] = (['customers', 'subscriptions', 'invoices', 'prices', 'products'] as const).map((resource) =>
  route('GET', `/v1/${resource}/search`, (emu, p) => search(emu, `/v1/${resource}/search`, emu.all(resource.slice(0, -1)).filter((o) => !o.deleted), p)))
