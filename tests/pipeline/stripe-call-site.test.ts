// A Stripe call (stripe/context.ts call) builds its request without stack traces: the stripe client
// records its caller's stack on every request, which costs ~0.1 ms of CPU per call under Deno. The
// limit is back as it was once the request is on its way, whether the call succeeds or throws.
import Stripe from 'stripe'
import { expect, test } from 'vitest'
import { call } from '../../supabase/functions/_shared/stripe/context.ts'

/** A client whose every request is answered at once with `body` (no network). */
function answering(status: number, body: unknown): Stripe {
  const httpClient = new (class extends Stripe.HttpClient {
    override getClientName() {
      return 'answering'
    }
    override makeRequest() {
      const json = JSON.stringify(body)
      return Promise.resolve(new (class extends Stripe.HttpClientResponse {
        constructor() {
          super(status, { 'request-id': 'req_test' })
        }
        override getRawResponse() {
          return {}
        }
        override toStream() {
          throw new Error('not streamed')
        }
        override toJSON() {
          return Promise.resolve(JSON.parse(json))
        }
      })())
    }
  })()
  return new Stripe('sk_test_call_site', { httpClient, maxNetworkRetries: 0 })
}

test("a call's request is built without a stack trace, and the limit is restored after it", async () => {
  const before = Error.stackTraceLimit
  const stripe = answering(200, { id: 'cus_1', object: 'customer' })
  let during: number | undefined
  const customer = await call('retrieve customer cus_1', () => {
    const pending = stripe.customers.retrieve('cus_1')
    during = Error.stackTraceLimit
    return pending
  })
  expect(customer.id).toBe('cus_1')
  expect(during).toBe(0)
  expect(Error.stackTraceLimit).toBe(before)
})

test('a call that fails still says what was called, and leaves the limit as it was', async () => {
  const before = Error.stackTraceLimit
  const stripe = answering(400, { error: { type: 'invalid_request_error', message: 'Bad thing' } })
  const err = await call('retrieve customer cus_2', () => stripe.customers.retrieve('cus_2')).then(() => null, (e: Error) => e)
  expect(err?.message).toBe('retrieve customer cus_2: Bad thing')
  expect(Error.stackTraceLimit).toBe(before)
  const thrown = await call('build', () => {
    throw new Error('synchronous')
  }).then(() => null, (e: Error) => e)
  expect(thrown?.message).toBe('synchronous')
  expect(Error.stackTraceLimit).toBe(before)
})
