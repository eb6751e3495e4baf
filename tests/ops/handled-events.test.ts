// The list of Stripe event types the product handles is the one the webhook endpoint subscribes to:
// it must hold every Stripe type a workflow starts or is cancelled on, and only real Stripe types.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { ROOT } from '../../dev/stack/config.ts'
import { HANDLED_EVENT_TYPES, missingEventTypes } from '../../supabase/functions/_shared/stripe/handled-events.ts'
import { WORKFLOWS } from '../../supabase/functions/_shared/workflows/registry.ts'

const stripeTypes = new Set(
  (JSON.parse(readFileSync(path.join(ROOT, 'dev/stripe-emulator/event-types.json'), 'utf8')) as { events: { type: string }[] }).events.map((e) => e.type),
)

describe('handled Stripe event types', () => {
  test('every Stripe type a workflow starts or is cancelled on is handled', () => {
    const used = WORKFLOWS.flatMap((w) => [...w.triggers, ...(w.cancelOn ?? []).map((c) => c.event)]).filter((t) => stripeTypes.has(t))
    expect(used.length).toBeGreaterThan(5)
    expect(missingEventTypes(HANDLED_EVENT_TYPES, used)).toEqual([])
  })

  test('every handled type is a Stripe event type, listed once', () => {
    expect(HANDLED_EVENT_TYPES.filter((t) => !stripeTypes.has(t))).toEqual([])
    expect(new Set(HANDLED_EVENT_TYPES).size).toBe(HANDLED_EVENT_TYPES.length)
  })

  test('a change to a subscription schedule (a scheduled downgrade edited in the Dashboard) reaches the mirror', () => {
    expect(HANDLED_EVENT_TYPES).toContain('subscription_schedule.updated')
  })

  test("an endpoint on '*' covers everything; a partial one misses what it lacks", () => {
    expect(missingEventTypes(['*'])).toEqual([])
    expect(missingEventTypes(['invoice.paid'], ['invoice.paid', 'charge.succeeded'])).toEqual(['charge.succeeded'])
  })
})
