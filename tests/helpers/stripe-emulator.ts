// The Stripe emulator in the test process, for running the product's sync against: the official client
// the sync uses, the emulator's request log and chaos, and events recorded into a queue of the test's own.
import type postgres from 'postgres'
import type Stripe from 'stripe'
import type { RequestLogEntry } from '../../dev/stripe-emulator/control.ts'
import type { ChaosConfig } from '../../dev/stripe-emulator/chaos.ts'
import { startEmulator, type RunningEmulator, type StartOptions } from '../../dev/stripe-emulator/server.ts'
import type { Obj } from '../../dev/stripe-emulator/shape.ts'
import { emulatorClient } from '../../dev/stack/stripe.ts'
import type { Bucket } from '../../supabase/functions/_shared/stripe/limiter.ts'
import { limitedStripe } from '../../supabase/functions/_shared/stripe/client.ts'
import { routeEvent } from '../../supabase/functions/_shared/stripe/routing.ts'
import { uniq } from './stack.ts'
import { StripeEvent, toRecorded, type RecordedEvent } from '../../supabase/functions/_shared/webhook/envelope.ts'

export interface EmulatedStripe {
  running: RunningEmulator
  /** A plain client for setting up state (no limiter, no retries; a 10 s timeout: a loaded machine stalls the first requests). */
  stripe: Stripe
  /**
   * The client as stripe-sync builds it (limitedStripe: the shared limiter, library retries). Its timeout
   * is generous (a loaded machine can stall a request for seconds); a test of timeouts passes its own.
   */
  limited(sql: postgres.Sql, bucket: Bucket, timeoutMs?: number): Stripe
  /** Every /v1 request so far, oldest first. */
  requests(): Promise<RequestLogEntry[]>
  chaos(config: ChaosConfig): Promise<void>
  /** Every event the emulator emitted about a customer, oldest first. */
  eventsOf(customerId: string): Obj[]
  close(): Promise<void>
}

export async function startStripe(opts: StartOptions = {}): Promise<EmulatedStripe> {
  // The emulator's own clock never runs due work by itself here: tests move time with test clocks.
  const running = await startEmulator({ port: 0, tickMs: 3_600_000, ...opts })
  const control = async (path: string, body?: unknown) => {
    const res = await fetch(`${running.url}/_emulator${path}`, { method: body === undefined ? 'GET' : 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    if (!res.ok) throw new Error(`emulator control ${path} answered ${res.status}: ${await res.text()}`)
    return res.json()
  }
  return {
    running,
    stripe: emulatorClient(running.port, { key: 'sk_test_emulator', timeout: 10_000 }),
    limited: (sql, bucket, timeoutMs = 30_000) => limitedStripe('sk_test_emulator', { sql, bucket }, { host: '127.0.0.1', port: running.port, protocol: 'http', timeout: timeoutMs }),
    requests: async () => (await control('/requests')).data,
    chaos: async (config) => void (await control('/chaos', config)),
    eventsOf: (customerId) => running.emu.all('event').filter((e) => routeEvent(e).customerId === customerId),
    close: () => running.close(),
  }
}

/**
 * Records a verified event in the inbox exactly as the webhook does (the real function and its real
 * enqueue trigger), then, in the same transaction, moves the message the trigger queued on stripe_events
 * to `queue`: the stack's own worker never sees the event (its emulator does not know these objects),
 * and the test's worker gets the trigger's own message, not one built by hand.
 */
export async function recordInto(sql: postgres.Sql, queue: string, e: RecordedEvent): Promise<boolean> {
  if (!/^[a-z0-9_]+$/.test(queue)) throw new Error(`invalid queue name ${queue}`)
  return sql.begin(async (tx) => {
    const [{ inserted }] = await tx<{ inserted: boolean }[]>`select billing.service_role_record_stripe_event(
      ${e.id}, ${e.type}, ${e.apiVersion}, ${e.apiVersionMismatch}, ${e.account}, ${e.livemode}, ${e.created},
      ${e.objectType}, ${e.objectId}, ${e.customerId}, ${tx.json(e.payload as never)}, ${e.verifiedBy}) as inserted`
    const moved = await tx`with m as (delete from pgmq.q_stripe_events where message ->> 'event_id' = ${e.id} returning message)
      select pgmq.send(${queue}::text, message, 0) from m`
    if (moved.length > (inserted ? 1 : 0)) throw new Error(`the inbox trigger queued ${moved.length} messages for ${e.id}`)
    return inserted
  })
}

/**
 * A Stripe rate-limit bucket of the calling test file's own (`test:<name>`, Stripe's test-mode rate), for
 * the emulator it started: its 429s and resets never pause another file's calls or the stack's.
 */
export async function ownBucket(sql: postgres.Sql): Promise<{ bucket: Bucket; drop: () => Promise<void> }> {
  const bucket: Bucket = `test:${uniq('bucket')}`
  await sql`insert into billing.stripe_rate_limits (bucket, requests_per_second, burst, tokens) values (${bucket}, 25, 25, 25)`
  return { bucket, drop: async () => void (await sql`delete from billing.stripe_rate_limits where bucket = ${bucket}`) }
}

/** An emulator of the test file's own with a rate-limit bucket of its own (ownBucket); `close` ends both. */
export async function ownStripe(sql: postgres.Sql): Promise<{ s: EmulatedStripe; bucket: Bucket; close: () => Promise<void> }> {
  const { bucket, drop } = await ownBucket(sql)
  const s = await startStripe()
  return { s, bucket, close: async () => { await s.close(); await drop() } }
}

/** `stripe` whose customers.retrieve first runs `before` (a sync's first call, made under its customer lock). */
export function beforeCustomerRetrieve(stripe: Stripe, before: () => Promise<void>): Stripe {
  return new Proxy(stripe, {
    get(target, prop, receiver) {
      if (prop !== 'customers') return Reflect.get(target, prop, receiver)
      return {
        retrieve: async (...args: Parameters<Stripe['customers']['retrieve']>) => {
          await before()
          return target.customers.retrieve(...args)
        },
      }
    },
  })
}

/** Records emulator events, in the given order, as if their webhooks had arrived. */
export async function queueEvents(sql: postgres.Sql, queue: string, events: Obj[]): Promise<string[]> {
  for (const e of events) await recordInto(sql, queue, toRecorded(StripeEvent.parse(e), 'test'))
  return events.map((e) => e.id as string)
}
