// stripe-sync builds one Stripe client per isolate (pipeline/isolate-stripe.ts), not one per invocation:
// the same client while the limiter's pool lives, a new one on the pool that replaces it.
import type postgres from 'postgres'
import Stripe from 'stripe'
import { describe, expect, test } from 'vitest'
import { stripePerPool } from '../../supabase/functions/_shared/pipeline/isolate-stripe.ts'

const fakePool = () => ({}) as unknown as postgres.Sql

describe('one Stripe client per pool', () => {
  test('every invocation gets the same client while the pool is the same; a new pool gets a new one', () => {
    let pool = fakePool()
    const built: postgres.Sql[] = []
    const stripe = stripePerPool(() => pool, (sql) => {
      built.push(sql)
      return new Stripe('sk_test_isolate', { httpClient: Stripe.createFetchHttpClient() })
    })
    const first = stripe()
    expect(stripe()).toBe(first)
    expect(stripe().stripe).toBe(first.stripe)
    expect(built).toEqual([pool])
    // db.ts retires every pool after a dead connection: the client's requests must use the fresh one.
    pool = fakePool()
    const second = stripe()
    expect(second.stripe).not.toBe(first.stripe)
    expect(built).toEqual([built[0], pool])
    expect(stripe()).toBe(second)
  })
})
