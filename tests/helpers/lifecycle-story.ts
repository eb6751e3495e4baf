// The stories the lifecycle property tests play (tests/helpers/lifecycle.ts runs them): fast-check
// arbitraries for what a few customers do in Stripe, and the run a story acts on.
import fc from 'fast-check'
import type Stripe from 'stripe'
import type { EmulatedStripe } from './stripe-emulator.ts'

/**
 * PROPERTY_RUNS / PROPERTY_SEED, or the default: an integer of at least `min`. A property test that
 * runs nothing passes having proved nothing, so PROPERTY_RUNS=0 (or a typo) is an error, not a pass.
 */
export function propertySetting(name: string, fallback: number, min: number, value = process.env[name]): number {
  if (value === undefined || value === '') return fallback
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n < min) throw new Error(`${name}=${value} is not an integer of at least ${min}`)
  return n
}

export const CUSTOMERS = 3
export const CARDS = { visa: 'pm_card_visa', fail: 'pm_card_chargeCustomerFail' } as const

/** The coupons a promotion code offers: forever, for two months, and on one invoice. */
export const OFFERS: Stripe.CouponCreateParams[] = [
  { percent_off: 25, duration: 'forever' },
  { amount_off: 500, currency: 'usd', duration: 'repeating', duration_in_months: 2 },
  { percent_off: 50, duration: 'once' },
]

const who = fc.integer({ min: 0, max: CUSTOMERS - 1 })
// Mostly a card that pays, so that stories reach receipts, upgrades, discounts and refunds.
const card = fc.constantFrom<keyof typeof CARDS>('visa', 'visa', 'visa', 'fail')
const plan = fc.constantFrom(0, 1)
const quantity = fc.integer({ min: 1, max: 5 })
const subscribe = fc.record({ kind: fc.constant('subscribe' as const), who, card, trial: fc.boolean(), plan, quantity })
const operation = fc.oneof(
  { weight: 3, arbitrary: subscribe },
  // A plan or quantity change, previewed first.
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('change' as const), who, plan, quantity }) },
  // A cancellation at period end, which the customer may withdraw at once (changing their mind).
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('cancelAtPeriodEnd' as const), who, thenResume: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('resume' as const), who }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancelNow' as const), who }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('replaceCard' as const), who, card }) },
  // A promotion code (one of OFFERS) redeemed onto the live subscription.
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('promo' as const), who, offer: fc.integer({ min: 0, max: OFFERS.length - 1 }) }) },
  // A refund made in Stripe of the newest charge with money left: $1 of it, or all that is left.
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('refund' as const), who, full: fc.boolean() }) },
  // A downgrade to Basic scheduled for the period's end (a subscription schedule, as the app makes it),
  // then left, undone at once, or reached (the clock moved just past the period's end); and an undo later.
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('scheduleDowngrade' as const), who, quantity, then: fc.constantFrom('nothing', 'undo', 'renew') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('undoSchedule' as const), who }) },
  // Stripe cancels the customer's subscriptions and the customer is gone for the rest of the story.
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deleteCustomer' as const), who }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('advance' as const), days: fc.integer({ min: 1, max: 40 }) }) },
  // Deliver what is held and sync it mid-story, so later syncs must overwrite earlier ones.
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deliver' as const) }) },
)
export type Operation = typeof operation extends fc.Arbitrary<infer T> ? T : never
// At most 12 operations (≤ 2 invoices per advance, 1 per upgrade): at most 24 invoices per customer, the
// newest the sync fetches. A story opens with a subscription.
export const story = fc.record({
  chaosSeed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  operations: fc.tuple(subscribe, fc.array(operation, { minLength: 4, maxLength: 11 })).map(([first, rest]) => [first, ...rest]),
})

export interface Run {
  s: EmulatedStripe
  queue: string
  clock: Stripe.TestHelpers.TestClock
  prices: Stripe.Price[]
  customers: { id: string; org: string; email: string }[]
  /** Each plan change's preview: what it said would be due now, and the invoice an upgrade made (null: none). */
  previews: { subscription: string; upgrade: boolean; amountDue: number; invoice: string | null }[]
  /** Each promotion code redeemed, on which subscription. */
  promotions: { subscription: string; promotionCode: string }[]
  /** Each downgrade scheduled, by its schedule's id. */
  schedules: { subscription: string; schedule: string }[]
}
