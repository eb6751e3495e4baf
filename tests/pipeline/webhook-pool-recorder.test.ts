// The webhook's recorder across a dead pooled connection (pool-recorder.ts): a delivery whose group failed
// while db.ts opened fresh pools is recorded again on the fresh pool; any other failure is the caller's.
import type postgres from 'postgres'
import { describe, expect, test, vi } from 'vitest'
import { StripeEvent, toRecorded } from '../../supabase/functions/_shared/webhook/envelope.ts'
import type { GroupRecorder } from '../../supabase/functions/_shared/webhook/group-commit.ts'
import { poolRecorder } from '../../supabase/functions/_shared/webhook/pool-recorder.ts'
import { fakeEvent } from '../helpers/stripe-event-envelope.ts'

const event = toRecorded(StripeEvent.parse(fakeEvent('product.updated', { id: 'prod_pr', object: 'product' })), '#1 00000000')
const pool = (name: string) => ({ name }) as unknown as postgres.Sql
/** A group recorder per pool whose record() answers as `outcome(pool)` says. */
const recorders = (outcome: (sql: postgres.Sql) => Promise<boolean>) =>
  vi.fn((sql: postgres.Sql): GroupRecorder => ({ groupSizes: [], record: () => outcome(sql) }))

describe('stripe-webhook pool recorder', () => {
  test('a delivery that failed while the pools were renewed is recorded again on the fresh pool', async () => {
    const [dead, fresh] = [pool('dead'), pool('fresh')]
    let current = dead
    const make = recorders(async (sql) => {
      if (sql !== dead) return true
      current = fresh // db.ts retires the pools when the connection closes, before the query's rejection is seen
      throw new Error('terminating connection due to administrator command')
    })
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    await expect(poolRecorder(() => current, make)(event)).resolves.toBe(true)
    expect(make.mock.calls.map(([sql]) => sql)).toEqual([dead, fresh])
    expect(warn.mock.calls[0][0]).toContain(event.id)
    warn.mockRestore()
  })

  test('a failure on a pool still current is the answer (503 to Stripe), not tried again', async () => {
    const only = pool('only')
    let attempts = 0
    const make = recorders(async () => {
      attempts++
      throw new Error('database is down')
    })
    await expect(poolRecorder(() => only, make)(event)).rejects.toThrow('database is down')
    expect(attempts).toBe(1)
  })

  test('deliveries on one pool share its group recorder (one group commit)', async () => {
    const only = pool('only')
    const make = recorders(async () => true)
    const record = poolRecorder(() => only, make)
    await Promise.all([record(event), record(event), record(event)])
    expect(make).toHaveBeenCalledOnce()
  })
})
