// The control API for tests and the demo (/_emulator/...): health, reset, clocks, chaos, deliveries,
// the request log and snapshots. Not part of Stripe's API.
import type { Emulator } from './emulator.ts'
import { runDue } from './billing/scheduler.ts'
import { advanceClock } from './resources/test-clocks.ts'

export interface ControlResult { status: number; body: unknown }

export interface RequestLogEntry { id: string; method: string; path: string; status: number; customer: string | null; start: number; end: number; fault: string | null }

export async function handleControl(emu: Emulator, log: RequestLogEntry[], method: string, path: string, query: URLSearchParams, body: Record<string, any>): Promise<ControlResult> {
  const route = `${method} ${path.replace(/^\/_emulator/, '')}`
  switch (route) {
    case 'GET /health':
      return { status: 200, body: { ok: true, emulator: 'stripe-emulator', development_only: true, objects: emu.objects.size, now: emu.now() } }
    case 'POST /reset':
      emu.reset()
      log.length = 0
      return { status: 200, body: { reset: true } }
    case 'GET /clock':
      return { status: 200, body: { now: emu.now(), offset_seconds: emu.offset } }
    case 'POST /clock/advance': {
      // Moves the emulator's own clock (objects not on a test clock), or a test clock when given.
      const seconds = Number(body.seconds ?? 0)
      if (body.test_clock) {
        const clock = emu.get('test_helpers.test_clock', String(body.test_clock), 'test clock')
        return { status: 200, body: advanceClock(emu, clock, body.to ? Number(body.to) : clock.frozen_time + seconds) }
      }
      const to = body.to ? Number(body.to) : emu.now() + seconds
      if (!Number.isFinite(to) || to <= emu.now()) return { status: 400, body: { error: { message: 'Give `seconds` > 0 or a future `to` (unix seconds).' } } }
      emu.offset += to - emu.now()
      const ran = runDue(emu, null, emu.now())
      return { status: 200, body: { now: emu.now(), offset_seconds: emu.offset, work_done: ran } }
    }
    case 'POST /clock/reset':
      // Back to wall time (tests that moved the emulator's own clock, which the local product's clock
      // follows, put it back for the files after them). Objects keep their dates; nothing runs.
      emu.offset = 0
      return { status: 200, body: { now: emu.now(), offset_seconds: emu.offset } }
    case 'GET /chaos':
      return { status: 200, body: emu.chaos.config }
    case 'POST /chaos':
      try {
        return { status: 200, body: emu.chaos.configure(body) }
      } catch (err) {
        return { status: 400, body: { error: { message: (err as Error).message } } }
      }
    case 'GET /deliveries': {
      const type = query.get('event_type')
      const state = query.get('state')
      const event = query.get('event_id')
      const list = emu.webhooks.deliveries.filter((d) => (!type || d.event_type === type) && (!state || d.state === state) && (!event || d.event_id === event))
      return { status: 200, body: { data: list } }
    }
    case 'POST /deliveries/flush':
      return { status: 200, body: { released: emu.webhooks.flush().length } }
    case 'POST /deliveries/wait': {
      const idle = await emu.webhooks.idle(Number(body.timeout_ms ?? 10_000))
      return { status: idle ? 200 : 408, body: { idle } }
    }
    case 'GET /requests':
      return { status: 200, body: { data: log } }
    case 'DELETE /requests':
      log.length = 0
      return { status: 200, body: { cleared: true } }
    case 'POST /snapshot':
      emu.saveSnapshot(body.path)
      return { status: 200, body: { saved: body.path ?? emu.options.snapshotPath ?? null } }
    case 'POST /restore':
      return { status: 200, body: { restored: emu.loadSnapshot(body.path) } }
    default:
      return { status: 404, body: { error: { message: `no control route ${route}` } } }
  }
}
