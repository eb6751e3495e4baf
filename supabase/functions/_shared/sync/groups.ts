// Coalescing (DESIGN rule 3): all queued events of one Stripe customer in a batch become one group and
// cause one fetch of that customer. Events without a customer (products, prices) group by object.
import type { Message } from './queue.ts'

type SyncTarget =
  | { kind: 'customer'; customerId: string }
  | { kind: 'product'; productId: string }
  | { kind: 'price'; priceId: string }
  /** Nothing to fetch (an event type the product does not mirror): just mark it processed. */
  | { kind: 'none' }

export interface Group {
  key: string
  target: SyncTarget
  messages: Message[]
  /** Inbox event ids in the group (resync requests have none). */
  eventIds: string[]
}

function targetOf(m: Message): SyncTarget {
  const b = m.body!
  if (b.customer_id) return { kind: 'customer', customerId: b.customer_id }
  if (b.type.startsWith('product.') && b.object_id) return { kind: 'product', productId: b.object_id }
  if (b.type.startsWith('price.') && b.object_id) return { kind: 'price', priceId: b.object_id }
  return { kind: 'none' }
}

function keyOf(t: SyncTarget, m: Message): string {
  switch (t.kind) {
    case 'customer':
      return `customer:${t.customerId}`
    case 'product':
      return `product:${t.productId}`
    case 'price':
      return `price:${t.priceId}`
    default:
      return `none:${m.msgId}`
  }
}

/** Groups valid messages by what they require fetching; `coalesce: false` gives one group each (benchmarks). */
export function groupMessages(messages: Message[], coalesce = true): Group[] {
  const groups = new Map<string, Group>()
  for (const m of messages) {
    const target = targetOf(m)
    const key = coalesce ? keyOf(target, m) : `${keyOf(target, m)}#${m.msgId}`
    let g = groups.get(key)
    if (!g) groups.set(key, g = { key, target, messages: [], eventIds: [] })
    g.messages.push(m)
    if (m.body!.event_id && !g.eventIds.includes(m.body!.event_id)) g.eventIds.push(m.body!.event_id)
  }
  return [...groups.values()]
}
