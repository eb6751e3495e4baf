// The bench's Stripe state and events: real customers in the stack's emulator (each with a subscription
// and its first invoice, so the sync fetches and writes real state), and events about them built and
// signed by the tests' own helper. Two thirds customer.subscription.updated, one third invoice.paid.
import type Stripe from 'stripe'
import type { Profile } from '../stack/config.ts'
import { stripeFor } from '../stack/stripe.ts'
import { fakeEvent, signPayload } from '../../tests/helpers/stripe-events.ts'

export interface Customer { id: string; subscription: Stripe.Subscription; invoice: Stripe.Invoice }
export type Signed = { id: string; payload: string; signature: string }

/** `n` subscribed customers, created 8 at a time through the API. */
export async function benchCustomers(p: Profile, n: number): Promise<Customer[]> {
  const stripe = stripeFor(p)
  const product = await stripe.products.create({ name: 'Bench' })
  const price = await stripe.prices.create({ product: product.id, unit_amount: 1000, currency: 'usd', recurring: { interval: 'month' } })
  const out: Customer[] = new Array(n)
  let next = 0
  await Promise.all(Array.from({ length: 8 }, async () => {
    for (let i = next++; i < n; i = next++) {
      const c = await stripe.customers.create({ email: `bench${i}@example.test`, payment_method: 'pm_card_visa', invoice_settings: { default_payment_method: 'pm_card_visa' } })
      const subscription = await stripe.subscriptions.create({ customer: c.id, items: [{ price: price.id }] })
      const [invoice] = (await stripe.invoices.list({ customer: c.id, limit: 1 })).data
      out[i] = { id: c.id, subscription, invoice }
    }
  }))
  return out
}

/** Event i about a customer: every third an invoice.paid, the others customer.subscription.updated. */
function event(tag: string, i: number, c: Customer) {
  const id = `evt_${tag}_${i}`
  return i % 3 === 2 ? fakeEvent('invoice.paid', { ...c.invoice }, id) : fakeEvent('customer.subscription.updated', { ...c.subscription }, id)
}

/** `n` signed events spread over the customers in turn (the ingest pairs' load). */
export async function spreadEvents(tag: string, n: number, customers: Customer[]): Promise<Signed[]> {
  return Promise.all(Array.from({ length: n }, async (_, i) => {
    const e = event(tag, i, customers[i % customers.length])
    return { id: e.id, ...(await signPayload(JSON.stringify(e))) }
  }))
}

/** `n` signed events in bursts of `burst` about one customer each (the lag measure's load). */
export async function burstEvents(tag: string, n: number, burst: number, customers: Customer[]): Promise<Signed[]> {
  return Promise.all(Array.from({ length: n }, async (_, i) => {
    const e = event(tag, i, customers[Math.floor(i / burst) % customers.length])
    return { id: e.id, ...(await signPayload(JSON.stringify(e))) }
  }))
}

/**
 * The same events signed again now: a signature is good for Stripe's 300 s tolerance, so events sent
 * again later in a run (the peer on the lag's events) need fresh ones, or every one is refused.
 */
export function signedAgain(signed: Signed[]): Promise<Signed[]> {
  return Promise.all(signed.map(async (s) => ({ id: s.id, ...(await signPayload(s.payload)) })))
}
