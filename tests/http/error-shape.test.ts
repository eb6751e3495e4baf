// One HTTP edge: every error answer of every function, whatever raised it (our HttpError, Stripe,
// Postgres, a bug), is `{error: {code, message}}` as JSON, mapped to its status in one place (http.ts).
// The handlers run in the test process; health runs in the stack (it is a bare Deno.serve entry).
import { SignJWT } from 'jose'
import postgres from 'postgres'
import Stripe from 'stripe'
import { describe, expect, test } from 'vitest'
import { z } from 'zod'
import { handleBilling } from '../../supabase/functions/_shared/billing/handler.ts'
import type { BillingDeps } from '../../supabase/functions/_shared/billing/actions.ts'
import { HttpError } from '../../supabase/functions/_shared/errors.ts'
import { handleExportDownload } from '../../supabase/functions/_shared/exports/download.ts'
import { errorResponse } from '../../supabase/functions/_shared/http.ts'
import { handleSyncRequest, type SyncDeps } from '../../supabase/functions/_shared/pipeline/handler.ts'
import { fakeEvent } from '../helpers/stripe-event-envelope.ts'
import { handleStripeWebhook } from '../../supabase/functions/_shared/webhook/handler.ts'
import { functionsUrl, keys } from '../helpers/stack.ts'

/** The one shape, strictly: nothing beside `error`, nothing beside `code` and `message`. */
const ErrorBody = z.strictObject({ error: z.strictObject({ code: z.string().regex(/^[a-z_]+$/), message: z.string().min(1) }) })

async function shape(res: Response, status: number, code: string) {
  expect(res.headers.get('content-type')).toBe('application/json')
  const body = ErrorBody.parse(await res.json())
  expect({ status: res.status, code: body.error.code }).toEqual({ status, code })
}

const SECRET = 'error-shape-test-secret-at-least-32-chars'
const token = await new SignJWT({ sub: crypto.randomUUID(), role: 'authenticated', aud: 'authenticated' })
  .setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode(SECRET))
// No path below reaches the database or Stripe: each is refused before.
const billingDeps = { sql: {}, stripe: () => ({}), syncer: () => async () => undefined, appUrl: '', apiUrl: '', exportSecret: '', jwt: { secret: SECRET } } as unknown as BillingDeps & { jwt: { secret: string } }
const billing = (method: string, path: string, body?: string, auth = `Bearer ${token}`) =>
  handleBilling(new Request(`http://local/functions/v1/billing${path}`, { method, body, headers: { authorization: auth } }), billingDeps)
const ORG = '00000000-0000-4000-8000-000000000000'

describe('every error path answers {error: {code, message}}', () => {
  test('billing: auth, routing, body and input refusals', async () => {
    await shape(await billing('GET', '/organizations', undefined, ''), 401, 'unauthenticated')
    await shape(await billing('GET', '/organizations', undefined, 'Bearer not.a.jwt'), 401, 'invalid_token')
    await shape(await billing('GET', '/nowhere'), 404, 'no_route')
    await shape(await billing('GET', '/organizations/not-a-uuid'), 404, 'not_found')
    await shape(await billing('GET', `/organizations/${ORG}/checkout`), 405, 'method_not_allowed')
    await shape(await billing('POST', '/organizations', '{'), 400, 'bad_json')
    await shape(await billing('POST', '/organizations', '{}'), 422, 'invalid_body')
    await shape(await billing('POST', '/organizations', 'x'.repeat(20_000)), 413, 'body_too_large')
  })

  test('billing: the 405 names the methods the path takes', async () => {
    expect((await billing('PUT', '/organizations')).headers.get('allow')).toBe('GET, POST')
  })

  test('stripe-webhook: method, signature, body and storage refusals', async () => {
    const secret = 'whsec_error_shape'
    const payload = JSON.stringify(fakeEvent('customer.updated', { id: 'cus_1', object: 'customer' }, 'evt_error_shape'))
    const signed = await Stripe.webhooks.generateTestHeaderStringAsync({ payload, secret })
    const post = (body: string, sig?: string) => new Request('http://local/stripe-webhook', { method: 'POST', body, headers: sig ? { 'stripe-signature': sig } : {} })
    const deps = (record = async () => true) => ({ secrets: [secret], record, kick: () => {} })
    await shape(await handleStripeWebhook(new Request('http://local/stripe-webhook'), deps()), 405, 'method_not_allowed')
    await shape(await handleStripeWebhook(post(payload), deps()), 400, 'missing_signature')
    await shape(await handleStripeWebhook(post(payload, 'garbage'), deps()), 400, 'malformed_signature')
    // A timestamp but no v1 signature (only a v0 one) can match no secret: malformed, not a mismatch.
    await shape(await handleStripeWebhook(post(payload, `t=${Math.floor(Date.now() / 1000)},v0=${'0'.repeat(64)}`), deps()), 400, 'malformed_signature')
    // Flip the signature's first hex digit (replacing it with a fixed '0' left 1 in 16 signatures intact).
    const tampered = signed.replace(/v1=(\w)/, (_, c: string) => `v1=${c === '0' ? '1' : '0'}`)
    await shape(await handleStripeWebhook(post(payload, tampered), deps()), 400, 'signature_mismatch')
    const old = await Stripe.webhooks.generateTestHeaderStringAsync({ payload, secret, timestamp: Math.floor(Date.now() / 1000) - 3600 })
    await shape(await handleStripeWebhook(post(payload, old), deps()), 400, 'signature_expired')
    const notEvent = '{"hello":1}'
    await shape(await handleStripeWebhook(post(notEvent, await Stripe.webhooks.generateTestHeaderStringAsync({ payload: notEvent, secret })), deps()), 400, 'not_a_stripe_event')
    const down = await handleStripeWebhook(post(payload, signed), deps(async () => { throw new Error('database down') }))
    expect(down.headers.get('retry-after')).toBe('10')
    await shape(down, 503, 'not_stored')
  })

  test('stripe-sync: method, caller and body refusals', async () => {
    process.env.SUPABASE_SERVICE_ROLE_KEY = keys.serviceRole
    const deps = {} as SyncDeps
    const post = (body: string, key?: string) => new Request('http://local/stripe-sync', { method: 'POST', body, headers: key ? { authorization: `Bearer ${key}` } : {} })
    await shape(await handleSyncRequest(new Request('http://local/stripe-sync'), deps), 405, 'method_not_allowed')
    await shape(await handleSyncRequest(post('{}', keys.anon), deps), 401, 'unauthenticated')
    await shape(await handleSyncRequest(post('{', keys.serviceRole), deps), 400, 'bad_json')
    await shape(await handleSyncRequest(post('{"mode":"nope"}', keys.serviceRole), deps), 400, 'invalid_request')
  })

  test('export-download: method and link refusals', async () => {
    const sql = {} as postgres.Sql
    await shape(await handleExportDownload(new Request('http://local/export-download', { method: 'POST' }), sql, 's'), 405, 'method_not_allowed')
    await shape(await handleExportDownload(new Request('http://local/export-download?e=x&exp=1&sig=y'), sql, 's'), 403, 'invalid_link')
  })

  test('errors from Stripe, Postgres and bugs are classified in the one place', async () => {
    await shape(errorResponse(new Stripe.errors.StripeConnectionError({ message: 'connect ECONNREFUSED' }), 'test'), 502, 'stripe_error')
    const pg = (code: string) => Object.assign(new postgres.PostgresError('refused'), { code })
    await shape(errorResponse(pg('42501'), 'test'), 403, 'forbidden')
    await shape(errorResponse(pg('23514'), 'test'), 422, 'invalid_body')
    await shape(errorResponse(pg('22P02'), 'test'), 422, 'invalid_body')
    await shape(errorResponse(pg('40001'), 'test'), 500, 'internal')
    await shape(errorResponse(new TypeError('a bug'), 'test'), 500, 'internal')
    await shape(errorResponse(new HttpError(409, 'conflict', 'taken'), 'test'), 409, 'conflict')
  })

  test('health (in the stack) answers a method it does not take in the same shape', async () => {
    const res = await fetch(`${functionsUrl}/health`, { method: 'PUT', headers: { authorization: `Bearer ${keys.anon}` } })
    await shape(res, 405, 'method_not_allowed')
  })
})
