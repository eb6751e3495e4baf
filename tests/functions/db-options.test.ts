// When the functions' pools prepare statements (_shared/db-options.ts): on for a direct or session-mode
// connection, off behind a transaction-mode pooler, DB_PREPARE overriding either way.
import { afterEach, describe, expect, test } from 'vitest'
import { connectionUrl, isTransactionPooler, preparesStatements } from '../../supabase/functions/_shared/db-options.ts'

const saved = process.env.DB_PREPARE
afterEach(() => {
  saved === undefined ? delete process.env.DB_PREPARE : (process.env.DB_PREPARE = saved)
})

const direct = 'postgresql://postgres:pw@db.abcdefgh.supabase.co:5432/postgres'
const pooler = 'postgresql://postgres.abcdefgh:pw@aws-0-eu-west-1.pooler.supabase.com:6543/postgres'

describe('prepared statements', () => {
  test('a transaction-mode pooler is port 6543 on any host, or pgbouncer=true', () => {
    expect(isTransactionPooler(pooler)).toBe(true)
    expect(isTransactionPooler('postgres://u:p@h1:5432,h2:6543/db')).toBe(true)
    expect(isTransactionPooler('postgresql://u:p@127.0.0.1:5432/postgres?sslmode=require&pgbouncer=true')).toBe(true)
    expect(isTransactionPooler(direct)).toBe(false)
    expect(isTransactionPooler('postgresql://u:p@aws-0-eu-west-1.pooler.supabase.com:5432/postgres')).toBe(false)
    expect(isTransactionPooler('postgresql://u:p@localhost/postgres?pgbouncer=false')).toBe(false)
    // A port-like number elsewhere in the URL is not the port.
    expect(isTransactionPooler('postgresql://u:6543@h:5432/db6543?application_name=6543')).toBe(false)
  })

  test('unset, on except behind a transaction-mode pooler; DB_PREPARE overrides either way', () => {
    delete process.env.DB_PREPARE
    expect(preparesStatements(direct)).toBe(true)
    expect(preparesStatements(pooler)).toBe(false)
    process.env.DB_PREPARE = 'false'
    expect(preparesStatements(direct)).toBe(false)
    process.env.DB_PREPARE = 'true'
    expect(preparesStatements(pooler)).toBe(true)
    process.env.DB_PREPARE = 'yes'
    expect(() => preparesStatements(direct)).toThrow(/^wrong environment variable DB_PREPARE: /)
  })

  test('pgbouncer is not passed on to postgres.js, which would send it to the server as a setting', () => {
    expect(connectionUrl('postgresql://u:p@h:6543/db?pgbouncer=true')).toBe('postgresql://u:p@h:6543/db')
    expect(connectionUrl('postgresql://u:p@h:6543/db?sslmode=require&pgbouncer=true&application_name=x'))
      .toBe('postgresql://u:p@h:6543/db?sslmode=require&application_name=x')
    expect(connectionUrl(direct)).toBe(direct)
    expect(connectionUrl(`${direct}?sslmode=require`)).toBe(`${direct}?sslmode=require`)
  })
})
