// The functions' pools on the running stack's Postgres (_shared/db.ts): a direct connection prepares
// named statements, which that connection's pg_prepared_statements shows; through a transaction-mode
// pooler's port (6543, here a plain TCP relay to the same Postgres) or with pgbouncer=true it does not.
import net from 'node:net'
import { afterAll, describe, expect, test } from 'vitest'
import { db } from '../../supabase/functions/_shared/db.ts'
import { stackProfile, uniq } from '../helpers/stack.ts'

const dbPort = Number(new URL(stackProfile.dbUrl).port)
const savedUrl = process.env.SUPABASE_DB_URL
const relays: net.Server[] = []
const pools: ReturnType<typeof db>[] = []

afterAll(async () => {
  await Promise.all(pools.map((p) => p.end({ timeout: 1 })))
  for (const r of relays) r.close()
  savedUrl === undefined ? delete process.env.SUPABASE_DB_URL : (process.env.SUPABASE_DB_URL = savedUrl)
})

/** A relay on port 6543 of a random loopback address (127.x.y.z: no clash with another test's) to Postgres. */
async function relay6543(): Promise<string> {
  const host = `127.${1 + Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`
  const server = net.createServer((client) => {
    const upstream = net.connect(dbPort, '127.0.0.1')
    client.pipe(upstream).pipe(client)
    client.on('error', () => upstream.destroy())
    upstream.on('error', () => client.destroy())
  })
  relays.push(server)
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(6543, host, resolve))
  return host
}

/** Whether a parameterised statement run through `url`'s pool is then among its connection's prepared statements. */
async function prepared(url: string): Promise<boolean> {
  process.env.SUPABASE_DB_URL = url
  const pool = db(uniq('prepare'))
  pools.push(pool)
  // The marker, a column name, is in the statement's text: each run's statement is its own.
  const marker = uniq('marker')
  return await pool.begin(async (tx) => {
    await tx`select ${1}::int as ${tx(marker)}`
    const rows = await tx`select statement from pg_prepared_statements where statement like ${`%${marker}%`}`
    return rows.length > 0
  })
}

describe('prepared statements on the stack', () => {
  test('a direct connection prepares named statements', async () => {
    expect(await prepared(stackProfile.dbUrl)).toBe(true)
  })

  test('through port 6543, or with pgbouncer=true, statements are not prepared', async () => {
    const host = await relay6543()
    expect(await prepared(`postgresql://postgres:postgres@${host}:6543/postgres`)).toBe(false)
    expect(await prepared(`${stackProfile.dbUrl}?pgbouncer=true`)).toBe(false)
  })
})
