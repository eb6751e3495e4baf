// A plan's trial days from the catalogue (product metadata `trial_days`, set by npm run stripe:setup)
// start a trial through our Checkout; a plan without them is charged at once.
import { afterAll, describe, expect, it } from 'vitest'
import type Stripe from 'stripe'
import { stripeFor } from '../../dev/stack/stripe.ts'
import { parseTrialDays } from '../../supabase/functions/_shared/billing/trial-days.ts'
import { api, newOrg, payCheckout, signUp, until } from '../helpers/billing-api.ts'
import { adminSql, stackProfile, uniq } from '../helpers/stack.ts'

const sql = adminSql()
const stripe = stripeFor(stackProfile)
afterAll(async () => {
  await sql.end()
})

/** Signs up, makes an organization, buys `price` through our Checkout; the subscription Stripe made. */
async function buy(price: Stripe.Price): Promise<Stripe.Subscription> {
  const owner = await signUp('trial')
  const org = await newOrg(owner, uniq('Trial Co'))
  const r = await api(owner.token, 'POST', `/organizations/${org}/checkout`, { price_id: price.id })
  expect(r.status, JSON.stringify(r.body)).toBe(200)
  expect((await payCheckout(r.body.url)).status).toBe(303)
  const [row] = await sql`select stripe_customer_id from public.organizations where id = ${org}`
  return (await stripe.subscriptions.list({ customer: row.stripe_customer_id })).data[0]
}

async function plan(metadata: Record<string, string>): Promise<Stripe.Price> {
  const product = await stripe.products.create({ name: uniq('Plan'), metadata })
  const price = await stripe.prices.create({ product: product.id, unit_amount: 1500, currency: 'usd', recurring: { interval: 'month' } })
  await until('the plan in the mirror', async () => (await sql`select 1 from public.stripe_prices where id = ${price.id}`).length > 0)
  return price
}

describe('trial days from the catalogue', () => {
  it('reads only whole days Stripe accepts', () => {
    expect([parseTrialDays('14'), parseTrialDays('0'), parseTrialDays('731'), parseTrialDays('7.5'), parseTrialDays(undefined), parseTrialDays(' 3 ')]).toEqual([14, 0, 0, 0, 0, 3])
  })

  it('a plan with trial_days starts trialing that long; one without is charged at once', { timeout: 60_000 }, async () => {
    const trial = await buy(await plan({ trial_days: '14' }))
    expect(trial.status).toBe('trialing')
    expect(trial.trial_end! - trial.trial_start!).toBe(14 * 86_400)
    const none = await buy(await plan({ trial_days: '0' }))
    expect(none.status).toBe('active')
    expect(none.trial_end).toBeNull()
  })
})
