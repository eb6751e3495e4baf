// Chaos, off by default: seeded and deterministic, so a failing run can be repeated exactly.
// Delivery chaos decides, per event in emission order, whether its delivery is held back (so later
// events overtake it), duplicated, delayed, or has its first attempt fail. API chaos decides, per
// request in arrival order, whether to answer 429 (with Retry-After), 500, or slowly; and answers 500
// to every request about a customer in `failCustomers` (a poison customer).
import { prng } from './prng.ts'

export interface ChaosConfig {
  seed?: number
  /** Share of events whose delivery is held back by a random delay up to `delayMs` (reordering). */
  reorder?: number
  /** Share of events delivered twice. */
  duplicate?: number
  /** The most a held-back or duplicated delivery waits, in ms. */
  delayMs?: number
  /** A delay every delivery waits before its first attempt, in ms (a slow network; order kept). */
  latencyMs?: number
  /** Share of events whose first delivery attempt fails (as if the network dropped it); Stripe retries. */
  failFirst?: number
  /** Keep deliveries until POST /_emulator/deliveries/flush, then send the batch in the seeded order. */
  hold?: boolean
  /** API faults: shares of requests answered 429, 500, or after `slowMs`. */
  rate429?: number
  rate500?: number
  slowRate?: number
  slowMs?: number
  retryAfterS?: number
  /** Customers (cus_...) whose requests are all answered 500: /v1/customers/<id>... or `?customer=<id>`. */
  failCustomers?: string[]
}

export interface DeliveryPlan {
  delayMs: number
  duplicates: number[]
  failFirst: boolean
}

export type ApiFault = { kind: 'none' } | { kind: '429'; retryAfterS: number } | { kind: '500' } | { kind: 'slow'; ms: number }

export class Chaos {
  config: Required<ChaosConfig> = Chaos.defaults()
  private delivery = prng(1)
  private api = prng(2)

  static defaults(): Required<ChaosConfig> {
    return { seed: 1, reorder: 0, duplicate: 0, delayMs: 0, latencyMs: 0, failFirst: 0, hold: false, rate429: 0, rate500: 0, slowRate: 0, slowMs: 0, retryAfterS: 1, failCustomers: [] }
  }

  configure(config: ChaosConfig): Required<ChaosConfig> {
    for (const [k, v] of Object.entries(config)) {
      if (k === 'hold') continue
      if (k === 'failCustomers') {
        if (!Array.isArray(v) || v.some((id) => typeof id !== 'string')) throw new Error('chaos.failCustomers must be a list of customer ids')
        continue
      }
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error(`chaos.${k} must be a number ≥ 0`)
      if (['reorder', 'duplicate', 'failFirst', 'rate429', 'rate500', 'slowRate'].includes(k) && v > 1) throw new Error(`chaos.${k} is a share between 0 and 1`)
    }
    this.config = { ...Chaos.defaults(), ...config }
    // Two streams, so API faults never shift delivery decisions (and the reverse).
    this.delivery = prng(this.config.seed)
    this.api = prng(this.config.seed ^ 0x9e3779b9)
    return this.config
  }

  get deliveryActive(): boolean {
    const c = this.config
    return c.reorder > 0 || c.duplicate > 0 || c.failFirst > 0 || c.latencyMs > 0 || c.hold
  }

  /** Draws the same number of values for every event, so one decision never shifts the next. */
  planDelivery(): DeliveryPlan {
    const c = this.config
    const [r1, r2, r3, r4, r5] = [this.delivery(), this.delivery(), this.delivery(), this.delivery(), this.delivery()]
    return {
      delayMs: c.latencyMs + (r1 < c.reorder ? Math.round(r2 * c.delayMs) : 0),
      duplicates: r3 < c.duplicate ? [c.latencyMs + Math.round(r4 * c.delayMs)] : [],
      failFirst: r5 < c.failFirst,
    }
  }

  /** `customer` is the customer the request is about, if any. */
  apiFault(customer: string | null = null): ApiFault {
    const drawn = this.drawApiFault()
    return customer !== null && this.config.failCustomers.includes(customer) ? { kind: '500' } : drawn
  }

  /** Drawn for every request, so a failing customer's requests never shift other requests' faults. */
  private drawApiFault(): ApiFault {
    const c = this.config
    if (c.rate429 === 0 && c.rate500 === 0 && c.slowRate === 0) return { kind: 'none' }
    const r = this.api()
    if (r < c.rate429) return { kind: '429', retryAfterS: c.retryAfterS }
    if (r < c.rate429 + c.rate500) return { kind: '500' }
    if (r < c.rate429 + c.rate500 + c.slowRate) return { kind: 'slow', ms: c.slowMs }
    return { kind: 'none' }
  }
}
