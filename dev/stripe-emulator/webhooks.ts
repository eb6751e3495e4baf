// Webhook delivery as Stripe does it: one delivery per event and endpoint, the JSON body signed in
// `Stripe-Signature` (t=<unix>,v1=<HMAC-SHA256 of "t.body">), any 2xx is success, anything else (or no
// answer in time) is retried with exponential backoff. Every attempt is recorded for the control API.
import { createHmac, randomBytes } from 'node:crypto'
import type { Obj } from './shape.ts'
import type { Chaos, DeliveryPlan } from './chaos.ts'

export interface Endpoint {
  id: string
  url: string
  secret: string
  enabled_events: string[]
  status: 'enabled' | 'disabled'
  description: string | null
  metadata: Record<string, string>
  created: number
  /** The version events are rendered at for this endpoint; null: the account's default. Fixed at creation, as in Stripe. */
  api_version?: string | null
  /** Configured from the environment rather than through the API. */
  from_env: boolean
}

interface Attempt {
  at: string
  status: number | null
  error: string | null
  ms: number
  /** The backoff chosen after this attempt failed (null when it succeeded or was the last). */
  retry_in_ms: number | null
}

export interface Delivery {
  id: string
  seq: number
  event_id: string
  event_type: string
  endpoint_id: string
  state: 'held' | 'pending' | 'sending' | 'succeeded' | 'failed'
  duplicate: boolean
  fail_first: boolean
  delay_ms: number
  /** When the event was queued for this endpoint (ms since the epoch). */
  queued_at: number
  next_at: number
  /** Position of this delivery's first attempt among all first attempts (timestamps can tie). */
  sent_order: number | null
  attempts: Attempt[]
}

const TIMEOUT_MS = 10_000

export function signPayload(body: string, secret: string, t = Math.floor(Date.now() / 1000)): string {
  const v1 = createHmac('sha256', secret).update(`${t}.${body}`, 'utf8').digest('hex')
  return `t=${t},v1=${v1}`
}

/** What deliveries need of the emulator; an interface, so emulator.ts and this file do not import each other. */
export interface WebhookHost {
  readonly options: { webhookUrl?: string; webhookSecret?: string; retryBaseMs?: number; maxAttempts?: number }
  readonly chaos: Chaos
  find(id: string | null | undefined): Obj | undefined
}

export class Webhooks {
  endpoints = new Map<string, Endpoint>()
  deliveries: Delivery[] = []
  private seq = 0
  private sentOrder = 0
  private timer: NodeJS.Timeout | null = null
  private sending = 0
  private closed = false
  concurrency = 2

  constructor(private emu: WebhookHost) {
    this.addEnvEndpoint()
  }

  private addEnvEndpoint(): void {
    const { webhookUrl, webhookSecret } = this.emu.options
    if (!webhookUrl) return
    this.endpoints.set('we_environment', {
      id: 'we_environment', url: webhookUrl, secret: webhookSecret ?? 'whsec_emulator', enabled_events: ['*'], status: 'enabled',
      description: 'From STRIPE_WEBHOOK_URL', metadata: {}, created: Math.floor(Date.now() / 1000), from_env: true,
    })
  }

  newSecret(): string {
    return `whsec_${randomBytes(24).toString('base64url')}`
  }

  subscribed(type: string): Endpoint[] {
    return [...this.endpoints.values()].filter((e) => e.status === 'enabled' && (e.enabled_events.includes('*') || e.enabled_events.includes(type)))
  }

  enqueue(event: Obj): void {
    const targets = this.subscribed(event.type)
    event.pending_webhooks = targets.length
    const chaos = this.emu.chaos
    for (const endpoint of targets) {
      const plan: DeliveryPlan = chaos.deliveryActive ? chaos.planDelivery() : { delayMs: 0, duplicates: [], failFirst: false }
      this.add(event, endpoint, plan.delayMs, false, plan.failFirst)
      for (const d of plan.duplicates) this.add(event, endpoint, d, true, false)
    }
    this.schedule(0)
  }

  private add(event: Obj, endpoint: Endpoint, delayMs: number, duplicate: boolean, failFirst: boolean): void {
    const hold = this.emu.chaos.config.hold
    this.deliveries.push({
      id: `whd_${++this.seq}`, seq: this.seq, event_id: event.id, event_type: event.type, endpoint_id: endpoint.id,
      state: hold ? 'held' : 'pending', duplicate, fail_first: failFirst, delay_ms: delayMs,
      queued_at: Date.now(), next_at: Date.now() + delayMs, sent_order: null, attempts: [],
    })
  }

  /** Releases held deliveries in the seeded order: by planned delay, then emission order. */
  flush(): Delivery[] {
    const held = this.deliveries.filter((d) => d.state === 'held').sort((a, b) => a.delay_ms - b.delay_ms || a.seq - b.seq)
    const base = Date.now()
    held.forEach((d, i) => {
      d.state = 'pending'
      d.next_at = base + i // strictly increasing: the sender keeps this order
    })
    this.schedule(0)
    return held
  }

  private schedule(ms: number): void {
    if (this.closed) return
    if (this.timer) clearTimeout(this.timer)
    this.timer = setTimeout(() => this.pump(), ms)
  }

  private pump(): void {
    this.timer = null
    const now = Date.now()
    const due = this.deliveries
      .filter((d) => d.state === 'pending' && d.next_at <= now)
      .sort((a, b) => a.next_at - b.next_at || a.seq - b.seq)
    // In-order when calm: with held or reordered batches, one at a time keeps the seeded order exact.
    const limit = this.emu.chaos.deliveryActive ? 1 : this.concurrency
    for (const d of due) {
      if (this.sending >= limit) break
      void this.attempt(d)
    }
    const next = this.deliveries.filter((d) => d.state === 'pending').reduce((m, d) => Math.min(m, d.next_at), Infinity)
    if (next !== Infinity && this.sending < limit) this.schedule(Math.max(0, next - Date.now()))
  }

  private async attempt(d: Delivery): Promise<void> {
    const endpoint = this.endpoints.get(d.endpoint_id)
    const event = this.emu.find(d.event_id)
    if (!endpoint || !event) {
      d.state = 'failed'
      return
    }
    d.state = 'sending'
    d.sent_order ??= ++this.sentOrder
    this.sending++
    const started = Date.now()
    let status: number | null = null
    let error: string | null = null
    try {
      if (d.fail_first && d.attempts.length === 0) {
        error = 'chaos: first attempt dropped'
      } else {
        const body = JSON.stringify(event, null, 2)
        const res = await fetch(endpoint.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json; charset=utf-8',
            'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
            'stripe-signature': signPayload(body, endpoint.secret),
          },
          body,
          signal: AbortSignal.timeout(TIMEOUT_MS),
        })
        status = res.status
        await res.arrayBuffer()
        if (!res.ok) error = `HTTP ${res.status}`
      }
    } catch (err) {
      error = err instanceof Error ? err.message : String(err)
    } finally {
      this.sending--
    }
    const attempt: Attempt = { at: new Date(started).toISOString(), status, error, ms: Date.now() - started, retry_in_ms: null }
    d.attempts.push(attempt)
    if (error === null) {
      d.state = 'succeeded'
      if (!d.duplicate) event.pending_webhooks = Math.max(0, event.pending_webhooks - 1)
    } else if (d.attempts.length >= (this.emu.options.maxAttempts ?? 8)) {
      d.state = 'failed'
      console.error(`stripe-emulator: delivery of ${d.event_id} (${d.event_type}) to ${endpoint.url} failed ${d.attempts.length} times: ${error}`)
    } else {
      d.state = 'pending'
      attempt.retry_in_ms = (this.emu.options.retryBaseMs ?? 1000) * 2 ** (d.attempts.length - 1)
      d.next_at = Date.now() + attempt.retry_in_ms
    }
    this.schedule(0)
  }

  /** Resolves once nothing is waiting to be sent (held deliveries do not count), or after timeoutMs. */
  async idle(timeoutMs = 10_000): Promise<boolean> {
    const until = Date.now() + timeoutMs
    while (Date.now() < until) {
      if (!this.deliveries.some((d) => d.state === 'pending' || d.state === 'sending')) return true
      await new Promise((r) => setTimeout(r, 10))
    }
    return false
  }

  reset(): void {
    this.deliveries = []
    this.endpoints.clear()
    this.addEnvEndpoint()
  }

  close(): void {
    this.closed = true
    if (this.timer) clearTimeout(this.timer)
  }

  exportEndpoints(): Endpoint[] {
    return [...this.endpoints.values()].filter((e) => !e.from_env)
  }

  importEndpoints(list: Endpoint[]): void {
    for (const e of list) this.endpoints.set(e.id, e)
  }
}
