// Strict mode (STRIPE_EMULATOR_STRICT=1): every JSON object the emulator answers, every event's
// data.object and every /v1 request is checked against Stripe's spec. Counts are kept per object type
// and per operation; each mismatch and refusal is also appended to STRIPE_EMULATOR_REPORT (JSON lines)
// when set, so `npm test` can report what every emulator of the run found, whatever process it ran in.
import { appendFileSync } from 'node:fs'
import { checkObject, checkResponse, type Mismatch } from './responses.ts'

export interface Tally { checked: number; failed: number }

export interface Finding {
  kind: 'response' | 'event' | 'request'
  /** Object type (responses, events) or `METHOD /v1/path-template` (requests). */
  subject: string
  path: string
  rule: string
  /** Where it happened: the request line, or the event type. */
  at: string
}

/** `1`: refuse what does not conform; `report`: check and report only, answers unchanged. */
export type Mode = 'off' | 'report' | 'strict'
const modeFromEnv = (): Mode => (process.env.STRIPE_EMULATOR_STRICT === '1' ? 'strict' : process.env.STRIPE_EMULATOR_STRICT === 'report' ? 'report' : 'off')

export class Conformance {
  readonly objects = new Map<string, Tally>()
  readonly requests = new Map<string, Tally>()
  readonly findings: Finding[] = []

  readonly reportFile: string | undefined

  /** `report`: the findings file (default STRIPE_EMULATOR_REPORT); null keeps them in memory only. */
  constructor(readonly mode: Mode = modeFromEnv(), report?: string | null) {
    this.reportFile = report === null ? undefined : (report ?? (process.env.STRIPE_EMULATOR_REPORT || undefined))
  }

  /** Whether a non-conforming request or answer is refused (otherwise it is only reported). */
  get strict(): boolean {
    return this.mode === 'strict'
  }

  private tally(map: Map<string, Tally>, key: string, failed: boolean): void {
    const t = map.get(key) ?? { checked: 0, failed: 0 }
    t.checked++
    if (failed) t.failed++
    map.set(key, t)
  }

  /** Sees every checked request as sent (tests replay them against Stripe's own stripe-mock). */
  tap: ((r: { method: string; path: string; search: string; body: string }) => void) | null = null
  private deliberate = 0
  private asIs = 0

  record(f: Finding): void {
    this.findings.push(f)
    if (this.findings.length > 1000) this.findings.shift()
    if (this.deliberate > 0) return
    console.error(`stripe-emulator: ${f.kind} does not conform to Stripe's spec: ${f.subject} ${f.path} ${f.rule} (${f.at})`)
    if (this.reportFile) appendFileSync(this.reportFile, JSON.stringify(f) + '\n')
  }

  /**
   * Runs a test's deliberately bad requests: what they provoke is answered as always and kept in
   * `findings`, but not written to the run's report (which fails `npm test` on any finding).
   */
  async expectingRefusals<T>(fn: () => Promise<T>): Promise<T> {
    this.deliberate++
    try {
      return await fn()
    } finally {
      this.deliberate--
    }
  }

  /**
   * Runs a test that makes the emulator answer what Stripe never would, on purpose (a hostile payload
   * for the product to survive): meanwhile answers and events are served as they are, unchecked.
   */
  async servingAsIs<T>(fn: () => Promise<T>): Promise<T> {
    this.asIs++
    try {
      return await fn()
    } finally {
      this.asIs--
    }
  }

  /** An API answer; returns the mismatch (strict mode answers 500 with it instead). */
  response(body: unknown, at: string): Mismatch | null {
    if (this.mode === 'off' || this.asIs > 0) return null
    const m = checkResponse(body)
    const b = body as Record<string, any>
    const items: Record<string, any>[] = b?.object === 'list' || b?.object === 'search_result' ? (Array.isArray(b.data) ? b.data : []) : [b]
    for (const item of items) this.tally(this.objects, String(item?.object ?? (item?.error ? 'error' : 'unknown')), false)
    if (m) {
      const t = this.objects.get(m.type) ?? { checked: 1, failed: 0 }
      t.failed++
      this.objects.set(m.type, t)
    }
    if (m) this.record({ kind: 'response', subject: m.type, path: m.path, rule: m.rule, at })
    return m
  }

  /** An event's data.object, checked when the event is emitted. */
  event(eventType: string, object: unknown): Mismatch | null {
    if (this.mode === 'off' || this.asIs > 0) return null
    const m = checkObject(object)
    this.tally(this.objects, String((object as Record<string, unknown>)?.object), m !== null)
    if (m) this.record({ kind: 'event', subject: m.type, path: `/data/object${m.path === '/' ? '' : m.path}`, rule: m.rule, at: eventType })
    return m
  }

  /** A request's parameters (checked by requests.ts); counted per operation. */
  request(operation: string, refusal: { param: string; message: string } | null, at: string): void {
    this.tally(this.requests, operation, refusal !== null)
    if (refusal) this.record({ kind: 'request', subject: operation, path: refusal.param, rule: refusal.message, at })
  }

  /** Appends this emulator's counts to the report file (the run's totals are summed from them). */
  flushTally(): void {
    if (this.mode === 'off' || !this.reportFile || (this.objects.size === 0 && this.requests.size === 0)) return
    appendFileSync(this.reportFile, JSON.stringify({ kind: 'tally', objects: Object.fromEntries(this.objects), requests: Object.fromEntries(this.requests) }) + '\n')
    this.objects.clear()
    this.requests.clear()
  }

  summary() {
    return { objects: Object.fromEntries(this.objects), requests: Object.fromEntries(this.requests), findings: this.findings }
  }
}
