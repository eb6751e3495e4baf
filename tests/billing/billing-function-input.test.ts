// The billing edge function's input checks through the gateway: bad input gets a 4xx naming the field
// and changes nothing. Every test signs up its own user and makes its own organization.
import { describe, expect, it } from 'vitest'
import { api, billingTestFile, newOrg, signUp } from '../helpers/billing-api.ts'

const file = billingTestFile(4200)
const { sql, stripe } = file

describe('bad input', () => {
  it('answers bad input with 400 or 422 and changes nothing', async () => {
    const owner = await signUp()
    const orgId = await newOrg(owner)
    expect((await api(owner.token, 'POST', '/organizations', '{not json')).status).toBe(400)
    expect((await api(owner.token, 'POST', '/organizations', { name: '   ' })).status).toBe(422)
    const unknown = await api(owner.token, 'POST', `/organizations/${orgId}/checkout`, { price_id: 'price_does_not_exist' })
    expect(unknown.status).toBe(422)
    expect(unknown.body.error.message).toContain('price_does_not_exist')
    const [org] = await sql`select stripe_customer_id from public.organizations where id = ${orgId}`
    expect(org.stripe_customer_id).toBeNull()
    expect((await api(owner.token, 'GET', '/organizations/not-a-uuid')).status).toBe(404)
    expect((await api(owner.token, 'GET', `/organizations/${'-'.repeat(36)}`)).status).toBe(404)
    const huge = await api(owner.token, 'POST', '/organizations', { name: 'x'.repeat(20_000) })
    expect(huge.status).toBe(413)
    expect(huge.body.error.message).toContain('larger than')
    expect(await sql`select 1 from public.organization_members where user_id = ${owner.id}`).toHaveLength(1)
  })
})

describe('every input is validated into a 4xx naming the field', () => {
  it('refuses an organization name Postgres cannot store (U+0000, a lone surrogate) or a control character, with 422 naming `name`', async () => {
    const owner = await signUp()
    for (const name of ['Acme\u0000 Inc', 'Acme \uD800', 'Acme\nInc', 'Acme\u0085']) {
      const r = await api(owner.token, 'POST', '/organizations', { name })
      expect(r.status, JSON.stringify(name)).toBe(422)
      expect(r.body.error).toMatchObject({ code: 'invalid_body', message: expect.stringMatching(/^name: /) })
    }
    for (const [body, message] of [[{ name: 42 }, /^name: give the organization a name as text/], [[], /^body: /], [{}, /^name: /], [null, /^body: /]] as const) {
      const r = await api(owner.token, 'POST', '/organizations', JSON.stringify(body))
      expect(r.status, JSON.stringify(body)).toBe(422)
      expect(r.body.error.message).toMatch(message)
    }
    // None of the refused names made an organization.
    expect(await sql`select 1 from public.organization_members where user_id = ${owner.id}`).toHaveLength(0)
  })

  it('keeps names with accents, emoji and inner spaces, trimmed', async () => {
    const user = await signUp()
    const r = await api(user.token, 'POST', '/organizations', { name: '  Café 😀  Ltd ' })
    expect(r.status).toBe(201)
    expect(r.body.organization.name).toBe('Café 😀  Ltd')
  })

  it('refuses a price id that is no Stripe id with 422 naming `price_id`, before asking Stripe', async () => {
    const owner = await signUp()
    const orgId = await newOrg(owner)
    for (const price_id of ['price_\u0000', 'price with spaces', 7, 'p'.repeat(300)]) {
      const r = await api(owner.token, 'POST', `/organizations/${orgId}/checkout`, { price_id })
      expect(r.status, JSON.stringify(price_id)).toBe(422)
      expect(r.body.error.message).toMatch(/^price_id: /)
    }
    // A real price still works for this organization: the refusals left it as it was.
    expect((await api(owner.token, 'POST', `/organizations/${orgId}/checkout`, { price_id: file.price.id })).status).toBe(200)
  })
})
