// The product's notion of "now": the system clock in production. In the local stack (development only)
// it follows the Stripe emulator's own clock, so that after `npm run emulator -- advance 31` the product's
// due work, deletion dates and link expiries agree with the dates Stripe reports. PRODUCT_CLOCK_URL names
// the emulator's clock endpoint (GET /_emulator/clock, answering `{offset_seconds}`); unset, the
// system clock is used. This is the one place that decides what time it is: every default "now" of the
// runner, the outbox and the export links comes from here, and SQL's billing.product_now() follows it
// through billing.settings.product_clock_offset, which the runner keeps in step (productNowInStep).
import type postgres from 'postgres'
import { config } from './config.ts'

/** How long one answer of the emulator's clock is reused (the clock moves only when a test moves it). */
const CACHE_MS = 500
let cached: { url: string; offsetMs: number; at: number } | null = null

/** The offset of the product's clock from the system clock, in ms (0 unless PRODUCT_CLOCK_URL is set). */
async function productClockOffsetMs(): Promise<number> {
  const url = config().PRODUCT_CLOCK_URL
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

/**
 * A product time as the bound of a "due by now" check against a time Postgres wrote (wake_at,
 * next_attempt_at: now(), in microseconds). JS time is truncated to the millisecond, so a row written
 * earlier in the current millisecond would look 0.x ms in the future: the bound is one millisecond on.
 */
export const dueBound = (now: Date): Date => new Date(now.getTime() + 1)

/** The offset this process last wrote to the database (each process writes only what it read anew). */
let written: number | undefined

/**
 * productNow(), and when it follows the emulator, the same offset in billing.settings so that SQL's
 * billing.product_now() (the entitlement grace period) agrees. Written only when this process reads a new
 * offset, so two processes reading two emulators (a test's own beside the stack's) do not fight over it.
 */
export async function productNowInStep(sql: postgres.Sql): Promise<Date> {
  const offset = await productClockOffsetMs()
  if (config().PRODUCT_CLOCK_URL && offset !== written) {
    await sql`update billing.settings set product_clock_offset = make_interval(secs => ${offset / 1000})`
    written = offset
  }
  return new Date(Date.now() + offset)
}
