// The product's notion of "now": the system clock in production. In the local stack (development only)
// it follows the Stripe emulator's own clock, so that after `npm run emulator -- advance 31` the product's
// due work, deletion dates and link expiries agree with the dates Stripe reports. PRODUCT_CLOCK_URL names
// the emulator's clock endpoint (GET /_emulator/clock, answering `{offset_seconds}`); unset, the
// system clock is used. This is the one place that decides what time it is: every default "now" of the
// runner, the outbox and the export links comes from here.
import { env } from './env.ts'

/** How long one answer of the emulator's clock is reused (the clock moves only when a test moves it). */
const CACHE_MS = 500
let cached: { url: string; offsetMs: number; at: number } | null = null

/** The offset of the product's clock from the system clock, in ms (0 unless PRODUCT_CLOCK_URL is set). */
export async function productClockOffsetMs(): Promise<number> {
  const url = env('PRODUCT_CLOCK_URL', '')
  if (!url) return 0
  if (cached && cached.url === url && Date.now() - cached.at < CACHE_MS) return cached.offsetMs
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) })
  if (!res.ok) throw new Error(`PRODUCT_CLOCK_URL ${url} answered ${res.status}`)
  const body = (await res.json()) as { offset_seconds?: unknown }
  const offset = Number(body.offset_seconds)
  if (!Number.isFinite(offset)) throw new Error(`PRODUCT_CLOCK_URL ${url} gave no offset_seconds`)
  cached = { url, offsetMs: offset * 1000, at: Date.now() }
  return cached.offsetMs
}

/** The product's current time. */
export async function productNow(): Promise<Date> {
  return new Date(Date.now() + (await productClockOffsetMs()))
}
