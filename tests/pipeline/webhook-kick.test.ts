// The webhook's kick of the sync worker: a burst of events makes one request, a kick while one is in flight
// makes a second (it drains what arrives while the first runs its workflows), kicks while two are in
// flight earn exactly one trailing request, requests are at least KICK_INTERVAL_MS apart, and the first kick
// after a quiet spell waits SETTLE_MS (the rest of the burst is queued by then).
// stripe-sync is played by a local server that holds each request until the test lets it answer.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { SETTLE_MS } from '../../supabase/functions/_shared/settle-window.ts'
import { KICK_INTERVAL_MS, kickDelay, kickSync } from '../../supabase/functions/_shared/webhook/kick.ts'

/** A wait just past the kick interval. */
const PAST_INTERVAL = KICK_INTERVAL_MS + 50

interface Received { at: number; answer: () => void }
const received: Received[] = []
const server = http.createServer((req, res) => {
  req.resume()
  received.push({ at: Date.now(), answer: () => void (res.writableEnded || res.end('{}')) })
})
const saved = { url: process.env.SUPABASE_URL, key: process.env.SUPABASE_SERVICE_ROLE_KEY }

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  process.env.SUPABASE_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  process.env.SUPABASE_SERVICE_ROLE_KEY = 'service-role-key-for-the-kick-test'
})
afterAll(async () => {
  for (const r of received) r.answer()
  server.closeAllConnections()
  await new Promise((r) => server.close(r))
  process.env.SUPABASE_URL = saved.url
  process.env.SUPABASE_SERVICE_ROLE_KEY = saved.key
})

async function until(what: string, ok: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (${received.length} requests so far)`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

test('a burst makes one request; a kick during it a second; kicks while two are in flight exactly one trailing request', { timeout: 60_000 }, async () => {
  // Counted from this test's first request: the other test may have run first (any order passes).
  const n = received.length
  const sentAt = Date.now()
  for (let i = 0; i < 20; i++) kickSync()
  await until('the first kick', () => received.length >= n + 1)
  // Twenty more events while the first kick is still unanswered, after the interval has passed: a second.
  await new Promise((r) => setTimeout(r, PAST_INTERVAL))
  for (let i = 0; i < 20; i++) kickSync()
  await until('the second kick', () => received.length >= n + 2)
  expect(received[n + 1].at - sentAt).toBeGreaterThanOrEqual(KICK_INTERVAL_MS)
  // Two in flight: twenty more make no third request until one of them is answered, then exactly one.
  await new Promise((r) => setTimeout(r, PAST_INTERVAL))
  for (let i = 0; i < 20; i++) kickSync()
  await new Promise((r) => setTimeout(r, PAST_INTERVAL))
  expect(received).toHaveLength(n + 2)
  received[n].answer()
  await until('the trailing kick', () => received.length >= n + 3)
  // Nothing else is pending: once all are answered the kicker is idle, and a new kick after the
  // interval is sent at once.
  received[n + 1].answer()
  received[n + 2].answer()
  await new Promise((r) => setTimeout(r, PAST_INTERVAL))
  expect(received).toHaveLength(n + 3)
  kickSync()
  await until('a fresh kick', () => received.length >= n + 4)
  received[n + 3].answer()
  expect(received).toHaveLength(n + 4)
})

test('a kick just after an answered one waits until KICK_INTERVAL_MS after the previous kick was sent', { timeout: 60_000 }, async () => {
  await new Promise((r) => setTimeout(r, PAST_INTERVAL))
  const first = received.length
  const sentAt = Date.now()
  kickSync()
  await until('the kick', () => received.length >= first + 1)
  received[first].answer()
  kickSync()
  await until('the next kick', () => received.length >= first + 2)
  received[first + 1].answer()
  expect(received[first + 1].at - sentAt).toBeGreaterThanOrEqual(KICK_INTERVAL_MS)
})

test('the first kick after a quiet spell waits SETTLE_MS, so one drain finds the burst queued together', { timeout: 60_000 }, async () => {
  // Quiet: every earlier request answered and the interval passed.
  for (const r of received) r.answer()
  await new Promise((r) => setTimeout(r, PAST_INTERVAL))
  const first = received.length
  const kickedAt = Date.now()
  kickSync()
  await until('the kick', () => received.length >= first + 1)
  received[first].answer()
  expect(received[first].at - kickedAt).toBeGreaterThanOrEqual(SETTLE_MS)
})

test('a kick waits SETTLE_MS from when it was first asked for, not from when a slot frees, and the interval from the last kick', () => {
  const t = 1_000_000
  // The first event of a quiet spell: the burst's settle window.
  expect(kickDelay(0, t, t)).toBe(SETTLE_MS)
  // A trailing kick asked for 200 ms ago while two were in flight, the last sent past the interval ago: at once.
  expect(kickDelay(t - PAST_INTERVAL, t - 200, t)).toBe(0)
  // The last kick 100 ms ago: the rest of the interval.
  expect(kickDelay(t - 100, t - 200, t)).toBe(KICK_INTERVAL_MS - 100)
})

test('a waiting kick keeps the edge runtime instance alive until it is sent (EdgeRuntime.waitUntil at once)', { timeout: 60_000 }, async () => {
  for (const r of received) r.answer()
  await new Promise((r) => setTimeout(r, PAST_INTERVAL))
  const kept: Promise<unknown>[] = []
  const g = globalThis as { EdgeRuntime?: { waitUntil(p: Promise<unknown>): void } }
  g.EdgeRuntime = { waitUntil: (p) => void kept.push(p) }
  try {
    const first = received.length
    kickSync()
    // The kick waits SETTLE_MS: the instance must be kept from the ask, not only once the request starts.
    expect(kept.length).toBeGreaterThanOrEqual(1)
    await kept[0]
    await until('the kick', () => received.length >= first + 1)
    received[first].answer()
    await Promise.all(kept)
  } finally {
    delete g.EdgeRuntime
  }
})
