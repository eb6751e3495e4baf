// How the billing function answers the errors its parts raise: Stripe failing (502), Postgres refusing a
// privilege (42501 → 403) or a check constraint (23514 → 422), and an organization with no customer yet
// (409). The handler runs in the test process with the real database; each error comes from a real
// source (a Stripe client whose server is gone, real statements Postgres refuses).
import { SignJWT } from 'jose'
import type postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { emulatorClient } from '../../dev/stack/stripe.ts'
import { handleBilling } from '../../supabase/functions/_shared/billing/handler.ts'
import type { BillingDeps } from '../../supabase/functions/_shared/billing/actions.ts'
import type { GroupSyncer } from '../../supabase/functions/_shared/sync/worker.ts'
import { adminSql, stackProfile, uniq } from '../helpers/stack.ts'

const sql = adminSql()
let userId: string
let token: string
afterAll(() => sql.end())
beforeAll(async () => {
  const email = `${uniq('errors')}@example.test`
  ;[{ id: userId }] = await sql`insert into auth.users (instance_id, id, aud, role, email, created_at, updated_at)
    values ('00000000-0000-0000-0000-000000000000', gen_random_uuid(), 'authenticated', 'authenticated', ${email}, now(), now()) returning id`
  token = await new SignJWT({ sub: userId, role: 'authenticated', aud: 'authenticated', email })
    .setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode(stackProfile.jwtSecret))
})

/** An organization the user is the admin of; with a Stripe customer id when given. */
async function organization(customerId: string | null = null): Promise<string> {
  const [{ id }] = await sql`insert into public.organizations (name, stripe_customer_id) values (${uniq('Errors Co')}, ${customerId}) returning id`
  await sql`insert into public.organization_members (organization_id, user_id, role) values (${id}, ${userId}, 'admin')`
  return id
}

function deps(overrides: { syncer?: GroupSyncer } = {}): BillingDeps & { jwt: { secret: string } } {
  return {
    sql,
    // Nothing listens on port 9: every Stripe call fails with a connection error.
    stripe: () => ({ stripe: emulatorClient(9, { timeout: 1000 }), sql, bucket: 'test' }),
    syncer: () => overrides.syncer ?? (async () => undefined),
    appUrl: 'http://127.0.0.1:3000',
    apiUrl: 'http://127.0.0.1:54321',
    exportSecret: 'not-used-here',
    jwt: { secret: stackProfile.jwtSecret },
  }
}

async function call(method: string, path: string, d = deps()) {
  const res = await handleBilling(new Request(`http://local/functions/v1/billing${path}`, { method, headers: { authorization: `Bearer ${token}` } }), d)
  return { status: res.status, body: await res.json() }
}

/** A syncer that runs one real statement Postgres refuses. */
const refusing = (statement: (tx: postgres.TransactionSql) => Promise<unknown>): GroupSyncer => async () => {
  await sql.begin(statement)
}

describe('the billing function\'s error answers', () => {
  test('Stripe failing is answered 502 with a message to try again', async () => {
    const org = await organization(uniq('cus_errors'))
    const r = await call('POST', `/organizations/${org}/portal`)
    expect(r).toEqual({ status: 502, body: { error: { code: 'stripe_error', message: 'Stripe could not complete the request just now. Try again in a moment.' } } })
  })

  test('Postgres refusing a privilege (42501) is answered 403', async () => {
    const org = await organization(uniq('cus_errors'))
    const syncer = refusing(async (tx) => {
      await tx`set local role authenticated`
      await tx`select billing.service_role_take_stripe_token('test')`
    })
    const r = await call('POST', `/organizations/${org}/sync`, deps({ syncer }))
    expect(r).toEqual({ status: 403, body: { error: { code: 'forbidden', message: 'You are not allowed to do that.' } } })
  })

  test('a check constraint refusing a value (23514) is answered 422', async () => {
    const org = await organization(uniq('cus_errors'))
    const syncer = refusing((tx) => tx`update public.organizations set name = ' ' where id = ${org}`)
    const r = await call('POST', `/organizations/${org}/sync`, deps({ syncer }))
    expect(r).toEqual({ status: 422, body: { error: { code: 'invalid_body', message: 'That value is not allowed.' } } })
    expect((await sql`select name from public.organizations where id = ${org}`)[0].name).toMatch(/^Errors Co/)
  })

  test('the billing portal of an organization without a Stripe customer is answered 409 no_customer', async () => {
    const org = await organization()
    const r = await call('POST', `/organizations/${org}/portal`)
    expect(r.status).toBe(409)
    expect(r.body.error.code).toBe('no_customer')
  })
})
