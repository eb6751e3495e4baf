// What the e2e-emulator-* files share: the billing workflows driven by real Stripe activity in the stack's
// emulator (it signs and delivers each webhook to stripe-webhook, stripe-sync fetches the customer, the
// workflows run on what it mirrored, the emails land in maildev). Test clocks make renewals, trial ends and
// dunning retries happen; stripe-sync's run-due moves the product's clock with them.
//
// Each test has its own user, customer and test clock, yet the tests of these files run one after another:
// run-due runs everything due at `asOf`, so one test moving the product's clock 30 days on would send
// another's 3-day reminder early (each file holds the product-clock lock, see workflow-file.ts). Where the
// product starts a timer at a renewal or a period end, the test clock starts one period in the past (a 30-day
// price: months have no fixed length), so that the renewal happens now and the clocks agree.
import type postgres from 'postgres'
import type Stripe from 'stripe'
import { DAY, emulatedCustomer, stripe, type Flow } from './stack-stripe.ts'

/** The file's catalogue in the emulator: a product with limits, a monthly, a 30-day and a yen price. */
export async function e2ePlans(tag: string) {
  const product = await stripe.products.create({ name: `Pro ${tag}`, metadata: { 'limits.seats': '10', 'limits.projects': 'unlimited', 'limits.sso': 'true' } })
  const monthly = await stripe.prices.create({ product: product.id, unit_amount: 4900, currency: 'usd', nickname: 'Pro monthly', recurring: { interval: 'month' }, metadata: { 'limits.seats': '25' } })
  const thirtyDays = await stripe.prices.create({ product: product.id, unit_amount: 2900, currency: 'usd', nickname: 'Pro 30 days', recurring: { interval: 'day', interval_count: 30 } })
  const yen = await stripe.prices.create({ product: product.id, unit_amount: 4900, currency: 'jpy', nickname: 'Pro monthly (JPY)', recurring: { interval: 'month' } })
  return { product, monthly, thirtyDays, yen }
}

/** How many of the subjects are `subject` (or match it). */
export const count = (subjects: string[], subject: string | RegExp) => subjects.filter((s) => (typeof subject === 'string' ? s === subject : subject.test(s))).length
export const now = () => Math.floor(Date.now() / 1000)

export async function subscribe(flow: Flow, price: Stripe.Price, extra: Partial<Stripe.SubscriptionCreateParams> = {}) {
  const sub = await stripe.subscriptions.create({ customer: flow.customer.id, items: [{ price: price.id }], ...extra })
  await flow.settle()
  return sub
}

/**
 * A subscription to a 30-day price started one period ago: it renews an hour before `failAt` and Stripe
 * finalizes and charges the renewal invoice at `failAt`, a minute ago.
 */
export async function renewingNow(sql: postgres.Sql, thirtyDays: Stripe.Price, name: string, failAt = now() - 60) {
  const flow = await emulatedCustomer(sql, { name, withOrganization: true, clockAt: failAt - 30 * DAY - 3600 })
  await subscribe(flow, thirtyDays)
  return { flow, failAt }
}
