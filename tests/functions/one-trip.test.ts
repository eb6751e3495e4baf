// _shared/one-trip.ts: where the pools cannot prepare (a transaction-mode pooler, DB_PREPARE=false), a hot
// statement's values go into its text as literals, so that postgres.js sends it as one simple query
// instead of asking for its parameters' types in a round trip of its own first. The literals must read
// back exactly as the parameters would, whatever the text holds.
import postgres from 'postgres'
import { afterAll, afterEach, describe, expect, test } from 'vitest'
import { inlined, literal, statement } from '../../supabase/functions/_shared/one-trip.ts'
import { stackProfile } from '../helpers/stack.ts'

const sent: { query: string; params: unknown[] }[] = []
// A pool as the functions open one behind a transaction-mode pooler: nothing prepared.
const sql = postgres(stackProfile.dbUrl, { max: 1, prepare: false, onnotice: () => {}, debug: (_c, query, params) => void sent.push({ query, params }) })
afterAll(() => sql.end())

const saved = process.env.DB_PREPARE
afterEach(() => {
  saved === undefined ? delete process.env.DB_PREPARE : (process.env.DB_PREPARE = saved)
})

const awkward = [
  '',
  "it's",
  'back\\slash and \\n and \\\\',
  'quote " and both \\"',
  '$1 and $2 inside a value',
  "E'not an escape'",
  '--not a comment',
  'line\nbreak\ttab',
  'ünïcødé, 日本語, emoji 🧾, and a lone high surrogate-free text',
  'NULL',
  '{"json": "text", "nested": {"a": [1, 2, "x\\"y"]}}',
]

describe('literals', () => {
  test('every awkward string reads back as itself, alone and in a text[] array', async () => {
    for (const s of awkward) {
      const array = `${literal([s, null, s])}::text[]`
      // The array's NULL is checked in SQL: postgres.js reads a text[]'s NULL element as the text 'NULL'.
      const [row] = await sql.unsafe(`select ${literal(s)}::text as v, ${array} as a, (${array})[2] is null as gap, cardinality(${array}) as n`)
      expect(row.v).toBe(s)
      expect([row.a[0], row.a[2], row.gap, row.n]).toEqual([s, s, true, 3])
    }
  })

  test('numbers, booleans, dates, null and number arrays take the type their place asks for', async () => {
    const at = new Date('2026-11-30T12:34:56.789Z')
    const [row] = await sql.unsafe(inlined(
      'select $1::int as i, $2::float8 as f, $3::boolean as b, $4::timestamptz as t, $5::text as n, $6::bigint[] as ids, $7::int as neg, 10 - $7::int as minus',
      [42, 0.25, true, at, null, ['9007199254740993', '2'], -3],
    ))
    expect(row).toEqual({ i: 42, f: 0.25, b: true, t: at, n: null, ids: ['9007199254740993', '2'], neg: -3, minus: 13 })
  })

  test('values are not read again for placeholders: a $2 inside the first value stays text', () => {
    expect(inlined('select $1, $2', ['$2', 'x'])).toBe("select '$2', 'x'")
    expect(inlined('select $10, $1', Array.from({ length: 10 }, (_, i) => String(i + 1)))).toBe("select '10', '1'")
  })

  test('what has no literal is refused, not sent', () => {
    expect(() => literal('a\u0000b')).toThrow(/U\+0000/)
    expect(() => literal(Number.NaN)).toThrow(/no SQL literal/)
    expect(() => inlined('select $2', ['only one'])).toThrow(/\$2 has no parameter/)
  })
})

describe('statement', () => {
  test('pools that cannot prepare: the values go inlined, one simple query without parameters, and the answer is the same', async () => {
    process.env.DB_PREPARE = 'false'
    const from = sent.length
    const rows = await statement<{ v: string; ids: string[] }[]>(sql, 'select $1::text as v, $2::bigint[] as ids', [awkward[2], ['1', '2']])
    expect(rows).toEqual([{ v: awkward[2], ids: ['1', '2'] }])
    expect(sent.slice(from)).toEqual([{ query: `select ${literal(awkward[2])}::text as v, '{"1","2"}'::bigint[] as ids`, params: [] }])
  })

  test('pools that prepare: the same text with its parameters', async () => {
    process.env.DB_PREPARE = 'true'
    const prepared = postgres(stackProfile.dbUrl, { max: 1, onnotice: () => {}, debug: (_c, query, params) => void sent.push({ query, params }) })
    try {
      await prepared`select 1` // the client's first query on a connection reads the array types first
      const from = sent.length
      const rows = await statement<{ v: string }[]>(prepared, 'select $1::text as v', ["it's"])
      expect(rows).toEqual([{ v: "it's" }])
      expect(sent.slice(from)).toEqual([{ query: 'select $1::text as v', params: ["it's"] }])
    } finally {
      await prepared.end()
    }
  })
})
