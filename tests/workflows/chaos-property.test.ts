// Property: whatever a few customers do in Stripe and however the webhooks arrive (the stories of
// tests/helpers/lifecycle.ts: reordered, duplicated, first attempts dropped), the workflows send each
// email Stripe's history calls for exactly once and no other: a welcome per subscription that started
// (created active or trialing, or paid after an incomplete start), a receipt per paid invoice, a
// payment-failed notice per failed invoice after the first that is still unpaid at the end (one Stripe
// says is paid by the time the run reads it may have had one or none), and cancellations only for
// subscriptions that started and ended (always for the last one when nothing is live at the end), and a
// confirmation of each cancellation request (surely of one still standing at the end), a "continues"
// email per withdrawn request (surely for the last one when nothing changed since), and a refund email
// per refund that succeeded, never twice. The stories change plans after a preview (an upgrade's
// invoice is what its preview said), redeem promotion codes (the mirror keeps each subscription's
// discounts), refund in full and in part, and schedule downgrades for the period's end, undo some and
// renew onto others; the default run must have covered each of them.
// Timed emails (trial reminders, payment reminders) are left out: they depend on the product's clock.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { Obj } from '../../dev/stripe-emulator/shape.ts'
import { WORKFLOWS } from '../../supabase/functions/_shared/workflows/registry.ts'
import { dispatchSyncedEvents } from '../../supabase/functions/_shared/pipeline/synced-events.ts'
import { settle, useStackEnv } from '../helpers/billing.ts'
import { lifecycles, type Lifecycles } from '../helpers/lifecycle.ts'
import type { Run } from '../helpers/lifecycle-story.ts'
import { holdProductClock, PRODUCT_CLOCK_HOOK_TIMEOUT_MS } from '../helpers/product-clock.ts'
import { adminSql } from '../helpers/stack.ts'

const sql = adminSql()
const limiterSql = adminSql()
let driver: Lifecycles
let releaseClock: () => Promise<void>
beforeAll(async () => {
  useStackEnv()
  releaseClock = await holdProductClock()
  driver = await lifecycles(sql, limiterSql, { onSynced: dispatchSyncedEvents(WORKFLOWS) })
}, PRODUCT_CLOCK_HOOK_TIMEOUT_MS)
afterAll(async () => {
  await driver.close()
  await releaseClock?.()
  await limiterSql.end()
  await sql.end()
})

const STARTED = ['active', 'trialing']
const GOING = ['active', 'trialing', 'past_due']

/** What the stories covered, so a generator that stops producing a case fails the default run. */
const covered = { partialRefundEmails: 0, fullRefundEmails: 0, promotions: 0, upgradesWithPreview: 0, resumedEmails: 0, scheduledDowngrades: 0, undoneDowngrades: 0, scheduledRenewals: 0 }

/**
 * The "continues" emails Stripe's history calls for: one may go per withdrawn cancellation request (keyed
 * by the request's time), and one must for the last change of a subscription that still goes on when that
 * change was a resume and nothing but its status (still going on) changed since.
 */
function expectedResumes(events: Obj[], emu: Run['s']['running']['emu']) {
  const allowed = new Set<string>()
  const must = new Set<string>()
  const bySub = new Map<string, Obj[]>()
  for (const e of events.filter((x) => x.type === 'customer.subscription.updated')) bySub.set(e.data.object.id, [...(bySub.get(e.data.object.id) ?? []), e])
  for (const [id, updates] of bySub) {
    let last: string | null = null
    let since = true
    for (const e of updates) {
      const o = e.data.object
      const b = e.data.previous_attributes ?? {}
      const toggled = 'cancel_at_period_end' in b || 'cancel_at' in b
      if (toggled && GOING.includes(o.status) && !o.cancel_at_period_end && !o.cancel_at && (b.cancel_at_period_end === true || !!b.cancel_at)) {
        last = `subscription_resumed:${id}:${b.canceled_at ?? b.cancel_at ?? 0}`
        allowed.add(last)
        since = true
      } else if (toggled) last = null
      else if (!GOING.includes(o.status)) since = false
    }
    const now = emu.find(id)
    if (last && since && now && GOING.includes(now.status) && !now.cancel_at_period_end && !now.cancel_at) must.add(last)
  }
  return { allowed, must }
}
const EXACT = ['subscription_confirmation', 'receipt', 'payment_failed']

/**
 * The emails Stripe's history calls for, as the outbox's idempotency keys: `exact` must be sent, each
 * once, and nothing else of their types; of `cancellable`, a cancellation may go for any, and must go
 * for `mustCancel`. (An ended subscription sends none while another is live, which depends on when the
 * sync saw it; but when nothing is live at the end, the last one to end has told the customer.)
 */
function expectedEmails(run: Run, customerId: string) {
  const emu = run.s.running.emu
  const events = emu.all('event').filter((e: Obj) => e.data.object.customer === customerId)
  const exact = new Set<string>()
  const failed = new Set<string>()
  const started = new Set<string>()
  for (const e of events) {
    const o = e.data.object
    if (e.type === 'customer.subscription.created' && STARTED.includes(o.status)) started.add(o.id)
    if (e.type === 'customer.subscription.updated' && e.data.previous_attributes?.status === 'incomplete' && STARTED.includes(o.status)) started.add(o.id)
    if (e.type === 'invoice.payment_failed' && o.billing_reason !== 'subscription_create') failed.add(o.id)
  }
  // A notice goes when Stripe says the invoice is still open as the run reads it: surely for one still
  // open at the end; for one paid or voided since, it depends on when the sync saw it.
  const optional = new Set<string>()
  for (const id of failed) (emu.find(id)?.status === 'open' ? exact : optional).add(`payment_failed:${id}`)
  // A cancellation request (cancel at period end) is confirmed once: surely when it still stands at the
  // end; one resumed or replaced since may have been confirmed or not, depending on when the run read it.
  const requests = new Set<string>()
  for (const e of events) {
    const o = e.data.object
    if (e.type === 'customer.subscription.updated' && o.cancel_at_period_end && 'cancel_at_period_end' in (e.data.previous_attributes ?? {})
      && ['active', 'trialing', 'past_due'].includes(o.status)) requests.add(`cancellation_scheduled:${o.id}:${o.canceled_at ?? o.cancel_at}`)
  }
  const standing = new Set(emu.all('subscription').filter((x: Obj) => x.customer === customerId && x.cancel_at_period_end && ['active', 'trialing', 'past_due'].includes(x.status))
    .map((x: Obj) => `cancellation_scheduled:${x.id}:${x.canceled_at ?? x.cancel_at}`))
  for (const id of started) exact.add(`subscription_confirmation:${id}`)
  for (const inv of emu.all('invoice').filter((i: Obj) => i.customer === customerId && i.status === 'paid' && i.amount_paid > 0)) exact.add(`receipt:${inv.id}`)
  const subs = emu.all('subscription').filter((x: Obj) => x.customer === customerId)
  const ended = subs.filter((x: Obj) => started.has(x.id) && x.status === 'canceled').sort((a: Obj, b: Obj) => a.ended_at - b.ended_at)
  const live = subs.some((x: Obj) => ['active', 'trialing', 'past_due', 'unpaid', 'paused'].includes(x.status))
  return {
    exact: [...exact].sort(),
    optional,
    requests,
    standing: [...standing].filter((k) => requests.has(k) && started.has(k.split(':')[1])),
    cancellable: new Set(ended.map((x: Obj) => `subscription_cancelled:${x.id}`)),
    mustCancel: !live && ended.length > 0 ? `subscription_cancelled:${ended[ended.length - 1].id}` : null,
  }
}

describe('emails through chaotic delivery', () => {
  test('every story sends each email its Stripe history calls for, exactly once', async () => {
    await driver.assertEveryStory(async (run) => {
      await settle(sql)
      for (const c of run.customers) {
        const rows = await sql<{ email_type: string; idempotency_key: string }[]>`select email_type, idempotency_key from billing.email_outbox
          where organization_id = ${c.org} order by idempotency_key`
        const want = expectedEmails(run, c.id)
        const sent = rows.filter((r) => EXACT.includes(r.email_type) && !want.optional.has(r.idempotency_key)).map((r) => r.idempotency_key)
        expect(sent, `emails of ${c.id}`).toEqual(want.exact)
        const cancellations = rows.filter((r) => r.email_type === 'subscription_cancelled').map((r) => r.idempotency_key)
        for (const key of cancellations) expect([...want.cancellable], `${key} for a subscription that started and ended`).toContain(key)
        if (want.mustCancel) expect(cancellations, `emails of ${c.id}`).toContain(want.mustCancel)
        const confirmations = rows.filter((r) => r.email_type === 'cancellation_scheduled').map((r) => r.idempotency_key)
        for (const key of confirmations) expect([...want.requests], `${key} confirms a request Stripe's history has`).toContain(key)
        for (const key of want.standing) expect(confirmations, `the standing request of ${c.id} is confirmed`).toContain(key)
        // One refund email per refund that succeeded (of a customer Stripe still has: a deleted one's
        // organization may be gone before the run reads it), and none for any other refund.
        const emu = run.s.running.emu
        const refunds = emu.all('refund').filter((re: Obj) => emu.find(re.payment_intent)?.customer === c.id && re.status === 'succeeded').map((re: Obj) => `refund:${re.id}`).sort()
        const refundMails = rows.filter((r) => r.email_type === 'refund_issued').map((r) => r.idempotency_key)
        if (emu.find(c.id)?.deleted) for (const key of refundMails) expect(refunds, `${key} is a refund of ${c.id}`).toContain(key)
        else expect(refundMails, `refund emails of ${c.id}`).toEqual(refunds)
        for (const key of refundMails) {
          const re = emu.find(key.slice('refund:'.length))!
          if (re.amount === emu.find(re.charge)?.amount) covered.fullRefundEmails++
          else covered.partialRefundEmails++
        }

        // A "continues" email only for a request Stripe's history withdrew, and surely for one still withdrawn.
        const resumed = rows.filter((r) => r.email_type === 'subscription_resumed').map((r) => r.idempotency_key)
        const events = emu.all('event').filter((e: Obj) => e.data.object.customer === c.id)
        const resumes = expectedResumes(events, emu)
        for (const key of resumed) expect([...resumes.allowed], `${key} withdraws a request Stripe's history has`).toContain(key)
        const [org] = await sql`select deleted_at from public.organizations where id = ${c.org}`
        if (!org.deleted_at) for (const key of resumes.must) expect(resumed, `the resume of ${c.id} is confirmed`).toContain(key)
        covered.resumedEmails += resumed.length

        // The mirror keeps each subscription's discounts as Stripe has them (expanded or as ids).
        const subs = emu.all('subscription').filter((x: Obj) => x.customer === c.id)
        const mirrored = await sql<{ id: string; discounts: (string | { id: string })[] }[]>`select id, coalesce(raw -> 'discounts', '[]') as discounts
          from public.stripe_subscriptions where customer_id = ${c.id}`
        const ids = (id: string) => mirrored.find((m) => m.id === id)?.discounts.map((d) => (typeof d === 'string' ? d : d.id))
        for (const sub of subs) expect(ids(sub.id), `discounts of ${sub.id}`).toEqual(sub.discounts)
      }
      // Each upgrade billed what its preview said it would.
      for (const p of run.previews.filter((x) => x.invoice)) {
        expect(run.s.running.emu.find(p.invoice!)!.amount_due, `the invoice of the upgrade of ${p.subscription}`).toBe(p.amountDue)
        covered.upgradesWithPreview++
      }
      // Downgrades scheduled, undone, and reached at the period end (the renewal on the next phase).
      for (const { schedule } of run.schedules) {
        const sched = run.s.running.emu.find(schedule)!
        covered.scheduledDowngrades++
        if (sched.status === 'released') covered.undoneDowngrades++
        if (sched.status === 'completed' || (sched.status === 'active' && sched.current_phase?.start_date === sched.phases[1]?.start_date)) covered.scheduledRenewals++
      }
      covered.promotions += run.promotions.filter((p) => run.s.running.emu.find(p.subscription)?.discounts.length > 0).length
    }, 10)
    // The default stories (PROPERTY_SEED and PROPERTY_RUNS unset) cover every kind of fact.
    if (!process.env.PROPERTY_SEED && !process.env.PROPERTY_RUNS) {
      console.log(`chaos property covered: ${JSON.stringify(covered)}`)
      for (const [what, n] of Object.entries(covered)) expect(n, `the default stories cover ${what}`).toBeGreaterThan(0)
    }
  }, 300_000)
})
