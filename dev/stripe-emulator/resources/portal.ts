// Billing portal sessions: a short-lived link to the hosted portal page, where the customer cancels,
// resumes, changes plan, replaces the card and pays open invoices (see pages/portal.ts).
import type Stripe from 'stripe'
import { shape } from '../shape.ts'
import { invalid, required } from '../errors.ts'
import { route, type Route } from './common.ts'
import { DEFAULT_PORTAL_CONFIGURATION, ensureDefault } from './portal-configurations.ts'

export const portalRoutes: Route[] = [
  route('POST', '/v1/billing_portal/sessions', (emu, p) => {
    if (!p.customer) throw required('customer')
    const customer = emu.get('customer', p.customer, 'customer', 'customer')
    if (customer.deleted) throw invalid(`No such customer: '${p.customer}'`, 'customer', 'resource_missing')
    if (p.return_url !== undefined) {
      try {
        new URL(p.return_url)
      } catch {
        throw invalid('Not a valid URL', 'return_url', 'url_invalid')
      }
    }
    // The configuration must exist and be active; the account's default applies when none is given.
    const configuration = String(p.configuration ?? DEFAULT_PORTAL_CONFIGURATION)
    ensureDefault(emu)
    if (!emu.get('billing_portal.configuration', configuration, 'billing portal configuration', 'configuration').active) throw invalid('The configuration is not active.', 'configuration')
    const id = emu.newId('bps')
    const session = shape('billing_portal.session', {
      id, object: 'billing_portal.session', configuration, created: emu.now(customer.test_clock), customer: customer.id,
      flow: null, locale: null, on_behalf_of: null, return_url: p.return_url ?? null, url: `${emu.options.publicUrl}/portal/${id}`,
    } satisfies Partial<Stripe.BillingPortal.Session>)
    emu.put('billing_portal.session', session)
    emu.emit('billing_portal.session.created', session, undefined, customer.test_clock)
    return session
  }),
]
