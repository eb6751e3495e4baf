// An emulator in the test process, the official `stripe` client pointed at it, and a webhook endpoint
// that verifies every delivery with `stripe.webhooks.constructEvent`, as a product would.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import Stripe from 'stripe'
import { afterAll, beforeAll, beforeEach } from 'vitest'
import { startEmulator, type RunningEmulator, type StartOptions } from '../../dev/stripe-emulator/server.ts'
import { emulatorClient } from '../../dev/stack/stripe.ts'

export const SECRET = 'whsec_emulator_test_secret'

interface Received { event: Stripe.Event; raw: string; signature: string }

export interface Harness {
  emulator: RunningEmulator
  stripe: Stripe
  received: Received[]
  /** Answer status for the next webhook deliveries (default 200). */
  respond: { status: number }
  control(path: string, body?: unknown, method?: string): Promise<any>
  /** Waits until every delivery is done, then returns the types received since `from`. */
  settle(from?: number): Promise<string[]>
  close(): Promise<void>
}

export function client(url: string, key = 'sk_test_emulator'): Stripe {
  const u = new URL(url)
  return emulatorClient(Number(u.port), { key })
}

export async function harness(opts: StartOptions = {}): Promise<Harness> {
  const received: Received[] = []
  const respond = { status: 200 }
  const verifier = new Stripe('sk_test_verifier')
  const receiver = http.createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const raw = Buffer.concat(chunks).toString('utf8')
    const signature = String(req.headers['stripe-signature'] ?? '')
    if (respond.status >= 300) {
      res.writeHead(respond.status).end()
      return
    }
    try {
      const event = verifier.webhooks.constructEvent(raw, signature, SECRET)
      received.push({ event, raw, signature })
      res.writeHead(200).end('{}')
    } catch {
      res.writeHead(400).end('bad signature')
    }
  })
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r))
  const webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhook`
  const emulator = await startEmulator({ webhookUrl, webhookSecret: SECRET, retryBaseMs: 20, tickMs: 60_000, ...opts })
  const control = async (path: string, body?: unknown, method = body === undefined ? 'GET' : 'POST') => {
    const res = await fetch(`${emulator.url}/_emulator${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) })
    return res.json()
  }
  return {
    emulator,
    stripe: client(emulator.url),
    received,
    respond,
    control,
    async settle(from = 0) {
      await emulator.emu.webhooks.idle(10_000)
      return received.slice(from).map((r) => r.event.type)
    },
    async close() {
      await emulator.close()
      receiver.closeAllConnections()
      await new Promise<void>((r) => receiver.close(() => r()))
    },
  }
}

/**
 * A fresh emulator and a $29 monthly plan on a product named `productName`: what most scenario files
 * start from (each file has an emulator of its own).
 */
export async function harnessWithPlan(productName = 'Pro'): Promise<{ h: Harness; stripe: Stripe; price: Stripe.Price }> {
  const h = await harness()
  const product = await h.stripe.products.create({ name: productName })
  const price = await h.stripe.prices.create({ product: product.id, unit_amount: 2900, currency: 'usd', recurring: { interval: 'month' } })
  return { h, stripe: h.stripe, price }
}

/** An emulator started for the file: the harness and its client (with a plan when started by harnessWithPlan). */
interface Started { h: Harness; stripe: Stripe }

/**
 * The file's emulator: started before its tests (by `start`, a bare harness unless told), handed to `use`
 * so the file keeps it in its own variables, and closed after them.
 */
export function emulatorForFile<T extends Started>(use: (started: T) => void, start?: () => Promise<T>): void {
  let started: T | undefined
  beforeAll(async () => {
    const ready = start ? await start() : await harness().then((h) => ({ h, stripe: h.stripe }) as T)
    started = ready
    use(ready)
  })
  afterAll(() => started?.h.close())
}

const DAY = 86_400

/**
 * A test clock frozen at 2026-01-15 12:00 UTC, made afresh before each test of the file (`current`);
 * `advance(days)` moves it on.
 */
export function clockPerTest(stripe: () => Stripe): { readonly current: Stripe.TestHelpers.TestClock; advance(days: number): Promise<void> } {
  let clock: Stripe.TestHelpers.TestClock
  beforeEach(async () => {
    clock = await stripe().testHelpers.testClocks.create({ frozen_time: Date.UTC(2026, 0, 15, 12) / 1000 })
  })
  return {
    get current() {
      return clock
    },
    async advance(days: number) {
      clock = await stripe().testHelpers.testClocks.advance(clock.id, { frozen_time: clock.frozen_time + days * DAY })
    },
  }
}
