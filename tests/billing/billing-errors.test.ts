// How the billing function answers the errors its parts raise: Stripe failing (502), Postgres refusing a
// privilege (42501 → 403) or a check constraint (23514 → 422), and an organization with no customer yet
// (409); and two checkouts at once sharing one customer, and the export's audit rows. The handler runs
// in the test process with the real database and the stack's Stripe emulator; each error comes from a
// real source (a Stripe client whose server is gone, real statements Postgres refuses).
import { SignJWT } from 'jose'
import type postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { emulatorClient, stripeFor } from '../../dev/stack/stripe.ts'
import { handleBilling } from '../../supabase/functions/_shared/billing/handler.ts'
import type { BillingDeps } from '../../supabase/functions/_shared/billing/actions.ts'
import { plans } from '../../supabase/functions/_shared/billing/overview.ts'
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
    stripe: () => ({ stripe: emulatorClient(9, { timeout: 1000 }) }),
    syncer: () => overrides.syncer ?? (async () => undefined),
    appUrl: 'http://127.0.0.1:3000',
    apiUrl: 'http://127.0.0.1:54321',
    exportSecret: 'not-used-here',
    jwt: { secret: stackProfile.jwtSecret },
  }
}

async function call(method: string, path: string, d = deps(), body?: unknown) {
  const headers = { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }
  const res = await handleBilling(new Request(`http://local/functions/v1/billing${path}`, { method, headers, body: body ? JSON.stringify(body) : undefined }), d)
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

describe('checkout and export bookkeeping', () => {
  const stripe = stripeFor(stackProfile)
  const withStripe = (): ReturnType<typeof deps> => ({ ...deps(), stripe: () => ({ stripe }) })

  async function firstPlanInStripe() {
    for (const p of await plans(sql)) {
      const price = await stripe.prices.retrieve(p.price_id).catch(() => null)
      if (price?.active) return p
    }
    throw new Error('no plan of the mirror exists in the stack\'s Stripe emulator')
  }

  test('two checkouts started at once share one Stripe customer', async () => {
    const org = await organization()
    // A plan this stack's emulator really has: other test files put mirror-only prices in the shared
    // catalogue, and the first plan by price may be one of them.
    const plan = await firstPlanInStripe()
    // Both requests reach "create the customer" before either is answered (or after 3 s, should the
    // product ever serialize them itself): the race the idempotency key is there for.
    let arrived = 0
    let release: () => void = () => {}
    const barrier = new Promise<void>((r) => (release = r))
    const racing = new Proxy(stripe, {
      get(target, prop, receiver) {
        if (prop !== 'customers') return Reflect.get(target, prop, receiver)
        return new Proxy(target.customers, {
          get(customers, method, r) {
            if (method !== 'create') return Reflect.get(customers, method, r)
            return async (...args: Parameters<typeof customers.create>) => {
              if (++arrived === 2) release()
              await Promise.race([barrier, new Promise((r) => setTimeout(r, 3000))])
              return customers.create(...args)
            }
          },
        })
      },
    })
    const d = { ...deps(), stripe: () => ({ stripe: racing }) }
    const [a, b] = await Promise.all([0, 1].map(() => call('POST', `/organizations/${org}/checkout`, d, { price_id: plan.price_id })))
    expect(arrived).toBe(2)
    expect([a.status, b.status]).toEqual([200, 200])
    const [{ stripe_customer_id: customerId }] = await sql`select stripe_customer_id from public.organizations where id = ${org}`
    const inStripe = await stripe.customers.search({ query: `metadata['organization_id']:'${org}'` })
    expect(inStripe.data.map((c) => c.id)).toEqual([customerId])
    const sessions = await Promise.all([a, b].map((r) => stripe.checkout.sessions.retrieve(new URL(r.body.url).pathname.split('/').pop()!)))
    expect(sessions.map((s) => s.customer)).toEqual([customerId, customerId])
  })

  test('an export link is audited: the export built and the link given, naming the user', async () => {
    const org = await organization()
    // The precondition only: how an organization becomes cancelled is the workflows' tests' business.
    await sql`update public.organizations set billing_status = 'cancelled' where id = ${org}`
    const r = await call('POST', `/organizations/${org}/export`)
    expect(r.status).toBe(200)
    const exportId = new URL(r.body.url).searchParams.get('export')
    const audits = await sql`select action, detail from billing.audit_log where organization_id = ${org} order by id`
    expect(audits).toEqual([
      { action: 'export.created', detail: { export_id: exportId } },
      { action: 'export.link_created', detail: { export_id: exportId, user_id: userId } },
    ])
  })
})
