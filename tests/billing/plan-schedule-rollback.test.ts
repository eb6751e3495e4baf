// A downgrade is two Stripe calls (the schedule, then its phases): when the second fails, the first is
// undone (the schedule released), so a failed downgrade leaves no schedule that would block the next try.
import { describe, expect, it, vi } from 'vitest'
import type { StripeContext } from '../../supabase/functions/_shared/stripe/context.ts'
import { scheduleDowngrade } from '../../supabase/functions/_shared/billing/plan-schedule.ts'
import type { LiveSubscription } from '../../supabase/functions/_shared/billing/cancel-resume.ts'

const sub: LiveSubscription = {
  id: 'sub_1', customer_id: 'cus_1', status: 'active', price_id: 'price_pro', quantity: 1, cancel_at_period_end: false, cancel_at: null, stripe_fetched_at: new Date(0),
}

function fakeStripe(update: () => Promise<unknown>) {
  const schedules = {
    create: vi.fn(async () => ({ id: 'sub_sched_1', phases: [{ start_date: 100, end_date: 200, items: [{ price: 'price_pro', quantity: 1 }] }] })),
    update: vi.fn(update),
    release: vi.fn(async () => ({ id: 'sub_sched_1', status: 'released' })),
  }
  return { ctx: { stripe: { subscriptionSchedules: schedules } } as unknown as StripeContext, schedules }
}

describe('scheduling a downgrade', () => {
  it('writes the current phase as it is and the new price from its end, released from nothing', async () => {
    const { ctx, schedules } = fakeStripe(async () => ({}))
    await scheduleDowngrade(ctx, sub, 'price_basic', 1)
    expect(schedules.update).toHaveBeenCalledWith('sub_sched_1', expect.objectContaining({
      end_behavior: 'release',
      phases: [
        { start_date: 100, end_date: 200, items: [{ price: 'price_pro', quantity: 1 }] },
        { start_date: 200, items: [{ price: 'price_basic', quantity: 1 }], proration_behavior: 'none' },
      ],
    }), expect.anything())
    expect(schedules.release).not.toHaveBeenCalled()
  })

  it('releases the schedule it made when the phases cannot be written, and reports the failure', async () => {
    const { ctx, schedules } = fakeStripe(async () => {
      throw Object.assign(new Error('phases refused'), { statusCode: 400 })
    })
    vi.spyOn(console, 'error').mockImplementation(() => {})
    await expect(scheduleDowngrade(ctx, sub, 'price_basic', 1)).rejects.toThrow('phases refused')
    expect(schedules.release).toHaveBeenCalledWith('sub_sched_1')
  })
})
