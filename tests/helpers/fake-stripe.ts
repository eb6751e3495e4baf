// TEST-ONLY stand-in for the part of Stripe's API the sync reads (customers, subscriptions, invoices,
// events), with state the test changes, a log of every request, and seeded fault injection (429 with
// Retry-After, 500, slow answers). The full emulator (dev/stripe-emulator, issue 3) replaces it.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import Stripe from 'stripe'
import { STRIPE_API_VERSION } from '../../supabase/functions/_shared/stripe/client.ts'

export interface FakeStripe {
  port: number
  customers: Map<string, Record<string, unknown>>
  subscriptions: Record<string, unknown>[]
  invoices: Record<string, unknown>[]
  events: Record<string, unknown>[]
  /** Every request: path, the customer it concerned, when it started and ended. */
  log: { path: string; customer: string | null; start: number; end: number; status: number }[]
  faults: { rate: number; seed: number; failCustomers: Set<string>; delayMs: number }
  client(): Stripe
  close(): Promise<void>
}

/** A small seeded PRNG (mulberry32), so fault runs repeat for the same seed. */
function prng(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const list = (url: string, data: unknown[]) => ({ object: 'list', url, has_more: false, data })
const error = (status: number, type: string, message: string, code?: string) => ({ status, body: { error: { type, message, code } } })

export async function startFakeStripe(): Promise<FakeStripe> {
  const fake = {
    customers: new Map(),
    subscriptions: [],
    invoices: [],
    events: [],
    log: [],
    faults: { rate: 0, seed: 1, failCustomers: new Set<string>(), delayMs: 0 },
  } as unknown as FakeStripe
  let random = prng(1)
  let seeded = 1

  function route(url: URL): { status: number; body: unknown; customer: string | null } {
    const customer = url.searchParams.get('customer') ?? /^\/v1\/customers\/([^/]+)$/.exec(url.pathname)?.[1] ?? null
    if (customer && fake.faults.failCustomers.has(customer)) return { ...error(500, 'api_error', 'An unknown error occurred'), customer }
    const m = /^\/v1\/customers\/([^/]+)$/.exec(url.pathname)
    if (m) {
      const c = fake.customers.get(m[1])
      return c ? { status: 200, body: c, customer } : { ...error(404, 'invalid_request_error', `No such customer: '${m[1]}'`, 'resource_missing'), customer }
    }
    if (url.pathname === '/v1/customers') {
      // Pages of `limit`, newest first, with starting_after, as Stripe lists.
      const all = [...fake.customers.values()].reverse()
      const after = url.searchParams.get('starting_after')
      const from = after ? all.findIndex((c) => c.id === after) + 1 : 0
      const limit = Number(url.searchParams.get('limit') ?? 10)
      return { status: 200, body: { ...list('/v1/customers', all.slice(from, from + limit)), has_more: from + limit < all.length }, customer }
    }
    if (url.pathname === '/v1/subscriptions') return { status: 200, body: list('/v1/subscriptions', fake.subscriptions.filter((s) => s.customer === customer)), customer }
    if (url.pathname === '/v1/invoices') return { status: 200, body: list('/v1/invoices', fake.invoices.filter((i) => i.customer === customer)), customer }
    if (url.pathname === '/v1/events') return { status: 200, body: list('/v1/events', fake.events), customer }
    return { ...error(404, 'invalid_request_error', `Unrecognized request URL (GET: ${url.pathname})`), customer }
  }

  const server = http.createServer(async (req, res) => {
    const start = performance.now()
    const url = new URL(req.url ?? '/', 'http://fake')
    if (fake.faults.seed !== seeded) [seeded, random] = [fake.faults.seed, prng(fake.faults.seed)]
    let r = route(url)
    const roll = fake.faults.rate > 0 ? random() : 1
    if (roll < fake.faults.rate / 3) r = { ...error(429, 'invalid_request_error', 'Too many requests', 'rate_limit'), customer: r.customer }
    else if (roll < (2 * fake.faults.rate) / 3) r = { ...error(500, 'api_error', 'Something went wrong'), customer: r.customer }
    else if (roll < fake.faults.rate) await new Promise((w) => setTimeout(w, 1500)) // slower than the client's timeout
    if (fake.faults.delayMs) await new Promise((w) => setTimeout(w, fake.faults.delayMs))
    res.writeHead(r.status, { 'content-type': 'application/json', 'request-id': 'req_fake', ...(r.status === 429 ? { 'retry-after': '1' } : {}) })
    res.end(JSON.stringify(r.body))
    fake.log.push({ path: url.pathname, customer: r.customer, start, end: performance.now(), status: r.status })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  fake.port = (server.address() as AddressInfo).port
  fake.client = () =>
    new Stripe('sk_test_fake', { host: '127.0.0.1', port: fake.port, protocol: 'http', apiVersion: STRIPE_API_VERSION, maxNetworkRetries: 0, timeout: 1000 })
  fake.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections() // the client keeps connections alive
      server.close(() => resolve())
    })
  return fake
}
