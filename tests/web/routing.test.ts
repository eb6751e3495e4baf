// Where the web app goes: its routes, and where a signed-in user lands.
import { describe, expect, it } from 'vitest'
import { billingUrl, inviteUrl } from '../../supabase/functions/_shared/app-urls.ts'
import { parseRoute } from '../../web/src/lib/router.ts'
import { landingPath } from '../../web/src/lib/use-organizations.ts'

const org = (id: string) => ({ id, name: id, role: 'admin' as const, billing_status: null, plan_name: null })

describe('routes', () => {
  it('reads the routes from the path and anything else as not found', () => {
    expect(parseRoute('/')).toEqual({ name: 'home' })
    expect(parseRoute('/orgs')).toEqual({ name: 'orgs' })
    expect(parseRoute('/billing/2b1e%2Fx')).toEqual({ name: 'billing', orgId: '2b1e/x' })
    expect(parseRoute('/billing/')).toEqual({ name: 'not-found' })
    expect(parseRoute('/settings')).toEqual({ name: 'not-found' })
  })

  it('reads the password-reset and account pages, where the emailed Auth links land', () => {
    expect(parseRoute('/forgot-password')).toEqual({ name: 'forgot-password' })
    expect(parseRoute('/update-password')).toEqual({ name: 'update-password' })
    expect(parseRoute('/account/')).toEqual({ name: 'account' })
  })

  it('opens the billing page at the address emails link to', () => {
    expect(parseRoute(new URL(billingUrl('2b1e/x')).pathname)).toEqual({ name: 'billing', orgId: '2b1e/x' })
  })

  it('opens the accept page at the address invitation emails link to, and the members page', () => {
    expect(parseRoute(new URL(inviteUrl('ab12')).pathname)).toEqual({ name: 'invite', token: 'ab12' })
    expect(parseRoute('/members/o1')).toEqual({ name: 'members', orgId: 'o1' })
  })

  it("sends a user with one organization straight to its billing page, and others to the organizations page", () => {
    expect(landingPath([org('o1')])).toBe('/billing/o1')
    expect(landingPath([])).toBe('/orgs')
    expect(landingPath([org('o1'), org('o2')])).toBe('/orgs')
  })
})
