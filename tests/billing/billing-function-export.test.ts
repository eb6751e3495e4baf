// The billing edge function's export link: only after cancellation, only for an admin, with this
// organization's data and no one else's. The test makes its own users, organization and subscription.
import { afterAll, describe, expect, it } from 'vitest'
import type Stripe from 'stripe'
import { stripeFor } from '../../dev/stack/stripe.ts'
import { holdProductClockForFile } from '../helpers/product-clock.ts'
import { api, mirroredPlan, signUp, subscribedOrg, until } from '../helpers/billing-api.ts'
import { adminSql, stackProfile } from '../helpers/stack.ts'

const sql = adminSql()
const stripe = stripeFor(stackProfile)
afterAll(async () => {
  await sql.end()
})

let price: Stripe.Price
// A cancelled organization's data is deleted 30 days on: files that run due work 30 days ahead hold
// this lock, so they never run while this one cancels and downloads an export.
holdProductClockForFile(async () => {
  price = await mirroredPlan(sql, stripe, 4200)
})

describe('export', () => {
  it('gives the export link only after cancellation, with this organization\'s data and no one else\'s', { timeout: 60_000 }, async () => {
    const [owner, member, stranger] = await Promise.all([signUp(), signUp(), signUp()])
    const { orgId, customerId } = await subscribedOrg(sql, owner, price.id, 'Owner Co')
    await sql`insert into public.organization_members (organization_id, user_id, role) values (${orgId}, ${member.id}, 'member')`
    const early = await api(owner.token, 'POST', `/organizations/${orgId}/export`)
    expect(early.status).toBe(409)
    const other = await api(stranger.token, 'POST', '/organizations', { name: 'Stranger Co' })
    expect(other.status).toBe(201)
    const sub = (await stripe.subscriptions.list({ customer: customerId })).data[0]
    await stripe.subscriptions.cancel(sub.id)
    await until('the cancellation in the mirror', async () => (await sql`select billing_status from public.organizations where id = ${orgId}`)[0].billing_status === 'cancelled')
    expect((await api(member.token, 'POST', `/organizations/${orgId}/export`)).status).toBe(403)
    const r = await api(owner.token, 'POST', `/organizations/${orgId}/export`)
    expect(r.status).toBe(200)
    expect(Date.parse(r.body.expires_at)).toBeGreaterThan(Date.now())
    const exportId = new URL(r.body.url).searchParams.get('export')
    // (The cancellation's workflow built an export of its own for its email; these rows are this link's.)
    const audits = await sql`select action, detail from billing.audit_log
      where organization_id = ${orgId} and action like 'export.%' and detail ->> 'export_id' = ${exportId} order by id`
    expect(audits).toEqual([
      { action: 'export.created', detail: { export_id: exportId } },
      { action: 'export.link_created', detail: { export_id: exportId, user_id: owner.id } },
    ])
    const file = await (await fetch(r.body.url)).text()
    expect(file).toContain(orgId)
    expect(file).toContain(owner.email)
    expect(file).not.toContain('Stranger Co')
    expect(file).not.toContain(stranger.email)
    expect((await api(owner.token, 'GET', `/organizations/${orgId}`)).body.export).toEqual({ available: true })
  })
})
