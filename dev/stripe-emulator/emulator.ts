// The emulator's state: every Stripe object by id, creation order per type, private per-object state
// (card behaviour, scheduled work), clocks, and the event log. Handlers are synchronous, so one
// request's changes and events are applied as a unit.
import { randomBytes } from 'node:crypto'
import { writeFileSync, readFileSync, existsSync, renameSync } from 'node:fs'
import type { Obj } from './shape.ts'
import { missing } from './errors.ts'
import { Chaos } from './chaos.ts'
import { Webhooks } from './webhooks.ts'
import { Conformance, type Mode } from './contract/conformance.ts'

export const API_VERSION = '2026-10-28.endive'
/** Events older than this are not listed or retrievable, as with Stripe. */
export const EVENT_RETENTION_S = 30 * 24 * 3600

export interface EmulatorOptions {
  /** Where a browser reaches the emulator: the hosted checkout, portal and invoice pages live here. */
  publicUrl: string
  /** An endpoint configured from the environment (Stripe's dashboard equivalent). */
  webhookUrl?: string
  webhookSecret?: string
  /** Backoff for failed deliveries: attempt n waits retryBaseMs * 2^(n-1) (Stripe waits hours). */
  retryBaseMs?: number
  maxAttempts?: number
  snapshotPath?: string
  /** Check every answer, event and request against Stripe's spec (default from STRIPE_EMULATOR_STRICT). */
  conformance?: Mode
  /** Where findings are appended (default STRIPE_EMULATOR_REPORT); null: nowhere (tests that provoke them). */
  conformanceReport?: string | null
}

export interface RequestInfo {
  id: string | null
  idempotency_key: string | null
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

export class Emulator {
  objects = new Map<string, Obj>()
  order = new Map<string, string[]>()
  /** Emulator-only state per object id (never serialized into API responses). */
  meta = new Map<string, Obj>()
  /** Seconds added to the wall clock for objects that are not on a test clock (the control API moves it). */
  offset = 0
  /** While the scheduler runs due work on a clock, that clock reads the work's time (key '' = own clock). */
  pinned = new Map<string, number>()
  /** The API request being handled, recorded on the events it causes. */
  request: RequestInfo = { id: null, idempotency_key: null }
  readonly chaos = new Chaos()
  readonly webhooks: Webhooks
  readonly conformance: Conformance

  constructor(readonly options: EmulatorOptions) {
    this.webhooks = new Webhooks(this)
    this.conformance = new Conformance(options.conformance, options.conformanceReport)
  }

  newId(prefix: string, length = 24): string {
    const bytes = randomBytes(length)
    let s = ''
    for (const b of bytes) s += BASE62[b % 62]
    return `${prefix}_${s}`
  }

  put(type: string, obj: Obj): Obj {
    if (!this.objects.has(obj.id)) {
      const ids = this.order.get(type) ?? []
      ids.push(obj.id)
      this.order.set(type, ids)
      const index = this.customerIndex.get(type)
      if (index && typeof obj.customer === 'string') index.get(obj.customer)?.push(obj.id) ?? index.set(obj.customer, [obj.id])
    }
    this.objects.set(obj.id, obj)
    return obj
  }

  /** Forgets an object (deleted drafts, invoice items, test clocks), keeping its events. */
  remove(type: string, id: string): void {
    const customer = this.objects.get(id)?.customer
    this.objects.delete(id)
    this.order.set(type, (this.order.get(type) ?? []).filter((x) => x !== id))
    const index = this.customerIndex.get(type)
    if (index && typeof customer === 'string') index.set(customer, (index.get(customer) ?? []).filter((x) => x !== id))
  }

  find(id: string | null | undefined): Obj | undefined {
    return id ? this.objects.get(id) : undefined
  }

  get(type: string, id: string, label = type, param = 'id'): Obj {
    const obj = this.objects.get(id)
    if (!obj || obj.object !== type) throw missing(label, id, param)
    return obj
  }

  all(type: string): Obj[] {
    return (this.order.get(type) ?? []).map((id) => this.objects.get(id)!).filter(Boolean)
  }

  /**
   * A type's ids by customer, in creation order, for the types whose `customer` Stripe never changes:
   * the sync's hot reads (a customer with its subscriptions, its invoices) would otherwise scan every
   * object of the type, and the emulator grew slower with every customer a bench created (at ~10,000
   * subscriptions, ~1 ms of CPU per call on the machine the product shares). Built at a type's first use
   * (after a snapshot load too), kept by put() and remove().
   */
  private customerIndex = new Map<string, Map<string, string[]>>()
  static readonly INDEXED_BY_CUSTOMER = new Set(['subscription', 'invoice', 'invoiceitem'])

  private indexOf(type: string): Map<string, string[]> {
    let index = this.customerIndex.get(type)
    if (!index) {
      index = new Map()
      for (const id of this.order.get(type) ?? []) {
        const customer = this.objects.get(id)?.customer
        if (typeof customer === 'string') index.get(customer)?.push(id) ?? index.set(customer, [id])
      }
      this.customerIndex.set(type, index)
    }
    return index
  }

  /** `all(type)` of one customer (the same objects, in the same order). */
  ofCustomer(type: string, customerId: string): Obj[] {
    if (!Emulator.INDEXED_BY_CUSTOMER.has(type)) return this.all(type).filter((o) => o.customer === customerId)
    const ids = this.indexOf(type).get(customerId) ?? []
    // Checked again: an object put back under another type or customer is never returned by mistake.
    return ids.map((id) => this.objects.get(id)!).filter((o) => o && o.object === type && o.customer === customerId)
  }

  metaOf(id: string): Obj {
    let m = this.meta.get(id)
    if (!m) this.meta.set(id, (m = {}))
    return m
  }

  /** Unix seconds on a test clock, or on the emulator's own clock (wall time + offset). */
  now(clockId: string | null = null): number {
    const pinned = this.pinned.get(clockId ?? '')
    if (pinned !== undefined) return pinned
    if (clockId) {
      const clock = this.objects.get(clockId)
      if (clock) return clock.frozen_time
    }
    return Math.floor(Date.now() / 1000) + this.offset
  }

  clockOfCustomer(customerId: string | null | undefined): string | null {
    return (customerId && this.objects.get(customerId)?.test_clock) || null
  }

  /** Records an event in Stripe's envelope and hands it to the webhook endpoints. */
  emit(type: string, object: Obj, previous?: Obj, clockId: string | null = null): Obj {
    const event: Obj = {
      id: this.newId('evt'),
      object: 'event',
      api_version: API_VERSION,
      created: this.now(clockId),
      data: previous ? { object: structuredClone(object), previous_attributes: previous } : { object: structuredClone(object) },
      livemode: false,
      pending_webhooks: 0,
      request: { ...this.request },
      type,
    }
    this.conformance.event(type, event.data.object)
    this.put('event', event)
    this.webhooks.enqueue(event)
    return event
  }

  reset(): void {
    this.objects.clear()
    this.order.clear()
    this.customerIndex.clear()
    this.meta.clear()
    this.offset = 0
    this.chaos.configure({})
    this.webhooks.reset()
  }

  /** Writes the state to a file (atomically), so `npm start` keeps its customers across restarts. */
  saveSnapshot(path = this.options.snapshotPath): void {
    if (!path) return
    const data = { version: 1, offset: this.offset, order: [...this.order], objects: [...this.objects], meta: [...this.meta], endpoints: this.webhooks.exportEndpoints() }
    writeFileSync(`${path}.tmp`, JSON.stringify(data))
    renameSync(`${path}.tmp`, path)
  }

  loadSnapshot(path = this.options.snapshotPath): boolean {
    if (!path || !existsSync(path)) return false
    const data = JSON.parse(readFileSync(path, 'utf8'))
    this.objects = new Map(data.objects)
    this.order = new Map(data.order)
    this.customerIndex.clear()
    this.meta = new Map(data.meta)
    this.offset = data.offset ?? 0
    this.webhooks.importEndpoints(data.endpoints ?? [])
    return true
  }
}
