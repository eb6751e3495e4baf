// stripe-sync's HTTP contract: service-role key only, POST only, validated options, a JSON report.
import { beforeAll, describe, expect, test } from 'vitest'
import { handleSyncRequest, type SyncDeps } from '../../supabase/functions/_shared/pipeline/handler.ts'
import { adminSql, keys } from '../helpers/stack.ts'

const sql = adminSql()
beforeAll(() => {
  process.env.SUPABASE_SERVICE_ROLE_KEY = keys.serviceRole
  return () => sql.end()
})

function deps(): SyncDeps {
  return {
    sql,
    stripe: () => {
      throw new Error('no Stripe calls expected')
    },
    // The worker reads the shared queue; these tests use run-due, which does not touch it.
    syncer: () => async () => undefined,
    workflows: [],
  }
}

const post = (body: string, token?: string) =>
  new Request('http://local/stripe-sync', {
    method: 'POST',
    body,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  })

describe('stripe-sync requests', () => {
  test('a caller without the service-role key is refused with 401', async () => {
    expect((await handleSyncRequest(post('{}'), deps())).status).toBe(401)
    expect((await handleSyncRequest(post('{}', keys.anon), deps())).status).toBe(401)
  })

  test('GET is answered 405', async () => {
    const res = await handleSyncRequest(new Request('http://local/stripe-sync', { headers: { authorization: `Bearer ${keys.serviceRole}` } }), deps())
    expect(res.status).toBe(405)
  })

  test('a body that is not JSON, or an unknown option, is refused with 400 and a reason', async () => {
    const notJson = await handleSyncRequest(post('nope', keys.serviceRole), deps())
    expect(notJson.status).toBe(400)
    expect((await notJson.json()).error).toBe('body must be JSON')
    const unknown = await handleSyncRequest(post('{"mode":"everything"}', keys.serviceRole), deps())
    expect(unknown.status).toBe(400)
    expect((await unknown.json()).error).toMatch(/^invalid request: mode/)
  })

  test('run-due as of a later time answers with the workflow report', async () => {
    const res = await handleSyncRequest(post(JSON.stringify({ mode: 'run-due', asOf: new Date(Date.now() + 86_400_000).toISOString() }), keys.serviceRole), deps())
    expect(res.status).toBe(200)
    const body = await res.json()
    expect(body.mode).toBe('run-due')
    expect(body.workflows).toMatchObject({ delivered: 0, completed: [], failed: [] })
  })
})
