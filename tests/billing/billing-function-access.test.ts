// The billing edge function through the gateway: who may call it and what each caller sees. Every test
// signs up its own users and makes its own organization.
import { describe, expect, it } from 'vitest'
import { SignJWT } from 'jose'
import type { Overview } from '../../supabase/functions/_shared/billing/api-types.ts'
import { api, billingTestFile, newOrg, signUp } from '../helpers/billing-api.ts'
import { functionsUrl, keys, stackProfile } from '../helpers/stack.ts'

  // Read-only for every test: the catalogue reaches the mirror through the webhook and the sync.
const file = billingTestFile(4200, { metadata: { 'limits.seats': '7' } })
const { sql, stripe } = file

describe('who may call it', () => {
  it('answers 401 without a token, with the anon key, a forged token or an expired one', async () => {
    const owner = await signUp()
    expect((await api(null, 'GET', '/organizations')).status).toBe(401)
    const anon = await api(keys.anon, 'GET', '/organizations')
    expect(anon.status).toBe(401)
    expect(anon.body.error.message).toMatch(/sign in/i)
    const claims = { sub: owner.id, role: 'authenticated', aud: 'authenticated' }
    const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode('not-the-project-secret-not-the-project-secret'))
    expect((await api(forged, 'GET', '/organizations')).status).toBe(401)
    const expired = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(Math.floor(Date.now() / 1000) - 60).sign(new TextEncoder().encode(stackProfile.jwtSecret))
    expect((await api(expired, 'GET', '/organizations')).status).toBe(401)
  })

  it('shows an organization to its members only; to anyone else it does not exist', async () => {
    const [owner, member, stranger] = await Promise.all([signUp(), signUp(), signUp()])
    const orgId = await newOrg(owner, 'Owner Co')
    await sql`insert into public.organization_members (organization_id, user_id, role) values (${orgId}, ${member.id}, 'member')`
    const mine = await api(owner.token, 'GET', `/organizations/${orgId}`)
    expect(mine.status).toBe(200)
    const o = mine.body as Overview
    expect(o.role).toBe('admin')
    expect(o.members.map((m) => [m.email, m.role]).sort()).toEqual([[member.email, 'member'], [owner.email, 'admin']].sort())
    expect(o.plans.find((p) => p.price_id === file.price.id)).toMatchObject({ unit_amount: 4200, interval: 'month', limits: { seats: 7 } })
    expect((await api(member.token, 'GET', `/organizations/${orgId}`)).body.role).toBe('member')
    const theirs = await api(stranger.token, 'GET', `/organizations/${orgId}`)
    expect(theirs.status).toBe(404)
    expect(JSON.stringify(theirs.body)).not.toContain('Owner Co')
    expect((await api(stranger.token, 'GET', '/organizations')).body.organizations).toEqual([])
    expect((await api(stranger.token, 'POST', `/organizations/${orgId}/checkout`, { price_id: file.price.id })).status).toBe(404)
    expect((await api(stranger.token, 'POST', `/organizations/${orgId}/export`)).status).toBe(404)
  })

  it('refuses billing changes by a member with 403 and a reason', async () => {
    const [owner, member] = await Promise.all([signUp(), signUp()])
    const orgId = await newOrg(owner)
    await sql`insert into public.organization_members (organization_id, user_id, role) values (${orgId}, ${member.id}, 'member')`
    const r = await api(member.token, 'POST', `/organizations/${orgId}/checkout`, { price_id: file.price.id })
    expect(r.status).toBe(403)
    expect(r.body.error).toMatchObject({ code: 'admins_only' })
    expect((await api(member.token, 'POST', `/organizations/${orgId}/portal`)).status).toBe(403)
  })
})

describe('browsers', () => {
  it('answers the CORS preflight and marks every answer for cross-origin reads', async () => {
    const pre = await fetch(`${functionsUrl}/billing/organizations`, { method: 'OPTIONS', headers: { origin: 'http://127.0.0.1:3000', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization, apikey' } })
    expect(pre.status).toBe(204)
    expect(pre.headers.get('access-control-allow-origin')).toBe('*')
    expect(pre.headers.get('access-control-allow-headers')).toContain('authorization')
    const denied = await fetch(`${functionsUrl}/billing/organizations`, { headers: { apikey: keys.anon, authorization: `Bearer ${keys.anon}` } })
    expect(denied.headers.get('access-control-allow-origin')).toBe('*')
  })
})
