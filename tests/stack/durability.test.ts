// Postgres's durability per stack (dev/stack/postgres.ts): every stack a user or the bench starts keeps
// it, as a hosted database does; only `npm test`'s clusters, thrown away after the run, go without.
import { afterAll, describe, expect, test } from 'vitest'
import { durability } from '../../dev/bench/db-stats.ts'
import { durableByDefault } from '../../dev/stack/postgres.ts'
import { adminSql } from '../helpers/stack.ts'

const sql = adminSql()
afterAll(() => sql.end())

describe('durability of the local clusters', () => {
  test('is on unless the test runner marks its clusters disposable', () => {
    const was = process.env.STACK_DISPOSABLE
    try {
      expect(was).toBe('1')
      expect(durableByDefault()).toBe(false)
      delete process.env.STACK_DISPOSABLE
      expect(durableByDefault()).toBe(true)
      process.env.STACK_DISPOSABLE = '0'
      expect(durableByDefault()).toBe(true)
    } finally {
      if (was === undefined) delete process.env.STACK_DISPOSABLE
      else process.env.STACK_DISPOSABLE = was
    }
  })

  test("is off on npm test's own stack, as the runner started it", async () => {
    expect(await durability(sql)).toEqual({ fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' })
  })
})
