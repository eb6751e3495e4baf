// Test clocks: customers created on a clock live in its time; advancing it runs renewals, trial
// ends and dunning retries in order, with events stamped at the time each happened.
import type Stripe from 'stripe'
import { shape, type Obj } from '../shape.ts'
import type { Emulator } from '../emulator.ts'
import { invalid, required } from '../errors.ts'
import { int, page } from '../list.ts'
import { route, str, type Route } from './common.ts'
import { runDue } from '../billing/scheduler.ts'
import { cancelNow, LIVE } from '../billing/lifecycle.ts'

export function advanceClock(emu: Emulator, clock: Obj, to: number): Obj {
  if (to <= clock.frozen_time) throw invalid('The frozen_time must be later than the current frozen_time of the test clock.', 'frozen_time')
  if (to > clock.frozen_time + 2 * 365 * 86_400) throw invalid('A test clock can advance at most two years at a time.', 'frozen_time')
  clock.status = 'advancing'
  clock.status_details = { advancing: { target_frozen_time: to } }
  emu.emit('test_helpers.test_clock.advancing', clock)
  runDue(emu, clock.id, to)
  clock.frozen_time = to
  clock.status = 'ready'
  clock.status_details = {}
  emu.emit('test_helpers.test_clock.ready', clock)
  return clock
}

export const testClockRoutes: Route[] = [
  route('POST', '/v1/test_helpers/test_clocks', (emu, p) => {
    const frozen = int(p.frozen_time, 'frozen_time')
    if (frozen === undefined) throw required('frozen_time')
    const clock = shape('test_helpers.test_clock', {
      id: emu.newId('clock'), object: 'test_helpers.test_clock', created: emu.now(), deletes_after: emu.now() + 30 * 86_400,
      frozen_time: frozen, name: str(p.name, 'name') ?? null, status: 'ready', status_details: {},
    } satisfies Partial<Stripe.TestHelpers.TestClock>)
    emu.put('test_helpers.test_clock', clock)
    emu.emit('test_helpers.test_clock.created', clock)
    return clock
  }),
  route('GET', '/v1/test_helpers/test_clocks/:id', (emu, _p, [id]) => emu.get('test_helpers.test_clock', id, 'test clock')),
  route('POST', '/v1/test_helpers/test_clocks/:id/advance', (emu, p, [id]) => {
    const to = int(p.frozen_time, 'frozen_time')
    if (to === undefined) throw required('frozen_time')
    return advanceClock(emu, emu.get('test_helpers.test_clock', id, 'test clock'), to)
  }),
  route('DELETE', '/v1/test_helpers/test_clocks/:id', (emu, _p, [id]) => {
    const clock = emu.get('test_helpers.test_clock', id, 'test clock')
    // Deleting a clock deletes what lives on it; subscriptions end first.
    for (const sub of emu.all('subscription')) if (sub.test_clock === id && LIVE.includes(sub.status)) cancelNow(emu, sub, 'cancellation_requested')
    for (const c of emu.all('customer')) if (c.test_clock === id) c.deleted = true
    emu.remove('test_helpers.test_clock', id)
    emu.emit('test_helpers.test_clock.deleted', clock)
    return { id, object: 'test_helpers.test_clock', deleted: true }
  }),
  route('GET', '/v1/test_helpers/test_clocks', (emu, p) => page(emu, '/v1/test_helpers/test_clocks', emu.all('test_helpers.test_clock'), p)),
]
