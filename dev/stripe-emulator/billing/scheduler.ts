// Time passing: everything that happens on its own (trial reminders and ends, renewals, invoice
// finalization, dunning retries, cancel_at, incomplete expiry), run in time order up to a target time
// on one clock: a test clock, or the emulator's own clock (null).
import type { Obj } from '../shape.ts'
import type { Emulator } from '../emulator.ts'
import { cancelNow, charge, endTrial, expireIncomplete, finalizeAndCharge, INCOMPLETE_EXPIRES_S, periodEnd, renew, TRIAL_WILL_END_S } from './lifecycle.ts'
import { paymentMethodFor } from './invoices.ts'
import { phaseBoundary } from './schedule-phases.ts'
import { discardPending } from './pending-update.ts'

interface Due { at: number; run: () => void }

function dueWork(emu: Emulator, clockId: string | null): Due[] {
  const work: Due[] = []
  for (const sub of emu.all('subscription')) {
    if ((sub.test_clock ?? null) !== clockId) continue
    const meta = emu.metaOf(sub.id)
    if (sub.status === 'trialing') {
      if (!meta.trial_will_end_sent) {
        work.push({ at: sub.trial_end - TRIAL_WILL_END_S, run: () => {
          meta.trial_will_end_sent = true
          emu.emit('customer.subscription.trial_will_end', sub, undefined, sub.test_clock)
        } })
      }
      work.push({ at: sub.trial_end, run: () => endTrial(emu, sub, sub.trial_end) })
    } else if (sub.status === 'active' || sub.status === 'past_due') {
      if (sub.pending_update) work.push({ at: sub.pending_update.expires_at, run: () => discardPending(emu, sub, true) })
      const end = periodEnd(sub)
      if (sub.cancel_at && sub.cancel_at <= end) work.push({ at: sub.cancel_at, run: () => cancelNow(emu, sub, 'cancellation_requested') })
      else {
        work.push({ at: end, run: () => {
          const phase = phaseBoundary(emu, sub, end)
          if (phase.renew) renew(emu, sub, end, phase.change)
          else cancelNow(emu, sub, 'cancellation_requested')
        } })
      }
    } else if (sub.status === 'incomplete') {
      work.push({ at: sub.created + INCOMPLETE_EXPIRES_S, run: () => expireIncomplete(emu, sub) })
    }
  }
  for (const invoice of emu.all('invoice')) {
    if ((invoice.test_clock ?? null) !== clockId) continue
    if (invoice.status === 'draft' && invoice.automatically_finalizes_at) {
      work.push({ at: invoice.automatically_finalizes_at, run: () => finalizeAndCharge(emu, invoice) })
    } else if (invoice.status === 'open' && invoice.next_payment_attempt && invoice.collection_method === 'charge_automatically') {
      work.push({ at: invoice.next_payment_attempt, run: () => retry(emu, invoice) })
    }
  }
  return work
}

function retry(emu: Emulator, invoice: Obj): void {
  charge(emu, invoice, paymentMethodFor(emu, invoice), true)
}

/** Runs every piece of due work with time ≤ `to`, oldest first; returns how many ran. */
export function runDue(emu: Emulator, clockId: string | null, to: number): number {
  const key = clockId ?? ''
  let ran = 0
  // Work that happens because time passed is caused by no API request (request.id null, as Stripe).
  const request = emu.request
  emu.request = { id: null, idempotency_key: null }
  try {
    for (; ran < 100_000; ran++) {
      const next = dueWork(emu, clockId).filter((w) => w.at <= to).sort((a, b) => a.at - b.at)[0]
      if (!next) break
      // The clock reads the work's time while it runs, so objects and events carry that time.
      emu.pinned.set(key, Math.max(next.at, clockId ? emu.find(clockId)!.frozen_time : 0))
      next.run()
    }
  } finally {
    emu.pinned.delete(key)
    emu.request = request
  }
  return ran
}
