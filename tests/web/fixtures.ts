// Billing overviews in each state the page must draw, shaped like the billing function's answers.
import type { Overview, Plan, Subscription } from '../../supabase/functions/_shared/billing/api-types.ts'

export const ORG_ID = 'org_3f1c'

const PLANS: Plan[] = [
  { price_id: 'price_starter_m', product_id: 'prod_starter', product_name: 'Starter', nickname: 'Monthly', unit_amount: 900, currency: 'usd', interval: 'month', limits: { seats: 3 } },
  { price_id: 'price_pro_m', product_id: 'prod_pro', product_name: 'Pro', nickname: null, unit_amount: 2900, currency: 'usd', interval: 'month', limits: { seats: 10, projects: null, sso: true } },
]

export function subscription(overrides: Partial<Subscription> = {}): Subscription {
  return {
    id: 'sub_1',
    status: 'active',
    price_id: 'price_pro_m',
    product_name: 'Pro',
    nickname: null,
    unit_amount: 2900,
    currency: 'usd',
    interval: 'month',
    quantity: 1,
    current_period_end: '2026-12-15T12:00:00Z',
    trial_end: null,
    cancel_at_period_end: false,
    cancel_at: null,
    canceled_at: null,
    scheduled_change: null,
    trial_end_behavior: null,
    discount: null,
    ...overrides,
  }
}

/** An organization with no subscription yet; the other states start from it. */
export function noPlan(): Overview {
  return {
    organization: {
      id: ORG_ID,
      name: 'Acme Inc.',
      billing_email: 'billing@acme.test',
      billing_status: null,
      plan_name: null,
      price_id: null,
      next_billing_at: null,
      trial_ends_at: null,
      cancelled_at: null,
      data_deletion_at: null,
      last_payment_failed_at: null,
      stripe_customer_id: null,
      stripe_synced_at: null,
    },
    role: 'admin',
    subscription: null,
    failed_payment: null,
    payment_method: null,
    invoices: [],
    members: [
      { user_id: 'u1', email: 'ada@acme.test', full_name: 'Ada Lovelace', role: 'admin' },
      { user_id: 'u2', email: 'grace@acme.test', full_name: null, role: 'member' },
    ],
    plans: PLANS,
    usage: [],
    pending: false,
    export: { available: false },
  }
}

export function active(): Overview {
  const base = noPlan()
  return {
    ...base,
    organization: { ...base.organization, billing_status: 'active', plan_name: 'Pro', price_id: 'price_pro_m', next_billing_at: '2026-12-15T12:00:00Z', stripe_customer_id: 'cus_1' },
    subscription: subscription(),
    payment_method: { brand: 'visa', last4: '4242', exp_month: 8, exp_year: 2030, expires_before_renewal: false },
    invoices: [
      { id: 'in_2', number: 'ACME-0002', status: 'paid', amount_due: 2900, amount_paid: 2900, currency: 'usd', created: '2026-11-15T12:00:00Z', hosted_invoice_url: 'https://invoice.stripe.test/i/in_2', invoice_pdf: 'https://invoice.stripe.test/i/in_2/pdf', amount_refunded: 0 },
      { id: 'in_1', number: 'ACME-0001', status: 'paid', amount_due: 2900, amount_paid: 2900, currency: 'usd', created: '2026-10-15T12:00:00Z', hosted_invoice_url: 'https://invoice.stripe.test/i/in_1', invoice_pdf: null, amount_refunded: 0 },
    ],
  }
}

export function trialing(): Overview {
  const base = active()
  return {
    ...base,
    organization: { ...base.organization, billing_status: 'trialing', trial_ends_at: '2026-12-01T09:00:00Z' },
    subscription: subscription({ status: 'trialing', trial_end: '2026-12-01T09:00:00Z', current_period_end: '2026-12-01T09:00:00Z' }),
    invoices: [],
  }
}

export function paymentFailed(): Overview {
  const base = active()
  return {
    ...base,
    organization: { ...base.organization, billing_status: 'payment_failed', last_payment_failed_at: '2026-12-15T12:05:00Z' },
    subscription: subscription({ status: 'past_due' }),
    failed_payment: {
      invoice_id: 'in_3',
      number: 'ACME-0003',
      amount_due: 4950,
      amount_remaining: 4950,
      currency: 'usd',
      hosted_invoice_url: 'https://invoice.stripe.test/i/in_3/pay',
      next_payment_attempt: '2026-12-18T12:00:00Z',
    },
  }
}

export function cancelled(): Overview {
  const base = active()
  return {
    ...base,
    organization: { ...base.organization, billing_status: 'cancelled', cancelled_at: '2026-12-20T08:00:00Z', data_deletion_at: '2027-01-19T08:00:00Z', next_billing_at: null },
    subscription: null,
    export: { available: true },
  }
}

export function asMember(overview: Overview): Overview {
  return { ...overview, role: 'member' }
}
