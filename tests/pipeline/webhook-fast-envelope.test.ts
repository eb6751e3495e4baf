// The webhook's fast path (fast-envelope.ts): it may only take events the slow path (zod, jsonbSafe)
// would have accepted unchanged, and what it takes goes to the inbox as the signed text.
import Stripe from 'stripe'
import { afterAll, describe, expect, test, vi } from 'vitest'
import { handleStripeWebhook, type RecordedEvent } from '../../supabase/functions/_shared/webhook/handler.ts'
import { StripeEvent, toRecorded } from '../../supabase/functions/_shared/webhook/envelope.ts'
import { isPlainStripeEvent, storableAsIs } from '../../supabase/functions/_shared/webhook/fast-envelope.ts'
import { createGroupRecorder } from '../../supabase/functions/_shared/webhook/group-commit.ts'
import { adminSql, uniq } from '../helpers/stack.ts'
import { fakeEvent } from '../helpers/stripe-events.ts'

const base = () => fakeEvent('customer.subscription.updated', { id: 'sub_1', object: 'subscription', customer: 'cus_1' }, 'evt_fast_1') as Record<string, unknown>
const nest = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n)

describe('webhook fast path checks', () => {
  test('an envelope it passes is one zod passes; every refusal of zod is a refusal here too', () => {
    const variants: Record<string, unknown>[] = [
      {}, { id: 'evt_' + 'x'.repeat(252) }, { id: 'evt_' + 'x'.repeat(260) }, { id: 'ev_1' }, { id: 7 }, { object: 'v2.core.event' },
      { type: '' }, { type: 'x'.repeat(256) }, { api_version: 5 }, { api_version: null }, { api_version: undefined }, { account: {} },
      { account: null }, { created: 1.5 }, { created: -1 }, { created: 253402300800 }, { created: '1' }, { livemode: 'false' },
      { data: null }, { data: [] }, { data: { object: [] } }, { data: { object: null } }, { data: { object: 'sub_1' } }, { data: {} },
    ]
    for (const v of variants) {
      const e = { ...base(), ...v }
      expect(isPlainStripeEvent(e), JSON.stringify(v)).toBe(StripeEvent.safeParse(e).success)
    }
    expect(isPlainStripeEvent([base()])).toBe(false)
    expect(isPlainStripeEvent(null)).toBe(false)
  })

  test('text with an escaped NUL or surrogate, or nested past 100 levels, is not storable as is', () => {
    expect(storableAsIs(JSON.stringify(base()))).toBe(true)
    expect(storableAsIs('{"name":"a\\u0000b"}')).toBe(false)
    expect(storableAsIs('{"name":"\\ud800"}')).toBe(false)
    expect(storableAsIs('{"name":"\\uDE00"}')).toBe(false)
    expect(storableAsIs(nest(100))).toBe(true)
    expect(storableAsIs(nest(101))).toBe(false)
    expect(storableAsIs(`[${nest(100)}]`)).toBe(false)
    // Brackets and quotes inside strings are not nesting.
    expect(storableAsIs(`{"s":"${'{['.repeat(200)}\\"${'{'.repeat(50)}"}`)).toBe(true)
  })
})

describe('webhook fast path in the handler', () => {
  const secret = 'whsec_test_fast_path'
  async function recordedFor(body: string): Promise<RecordedEvent> {
    const record = vi.fn(async (_: RecordedEvent) => true)
    const signature = await Stripe.webhooks.generateTestHeaderStringAsync({ payload: body, secret })
    const req = new Request('http://local/stripe-webhook', { method: 'POST', body, headers: { 'stripe-signature': signature } })
    expect((await handleStripeWebhook(req, { secrets: [secret], record, kick: () => {} })).status).toBe(200)
    return record.mock.calls[0][0]
  }

  test('a plain event goes to the inbox as its signed text; one with a lone surrogate is repaired first', async () => {
    const plain = JSON.stringify(base())
    expect((await recordedFor(plain)).payloadText).toBe(plain)
    const repaired = await recordedFor(JSON.stringify(base()).replace('"cus_1"', '"cus_1\\ud800"'))
    expect(repaired.payloadText).toBeUndefined()
    expect((repaired.payload.data as { object: { customer: string } }).object.customer).toBe('cus_1\uFFFD')
  })
})

describe('webhook fast path in the inbox', () => {
  const sql = adminSql()
  afterAll(() => sql.end())

  test('the signed text is stored as it came: a number past double precision keeps its digits', async () => {
    const id = uniq('evt_fast')
    const text = JSON.stringify({ ...base(), id }).replace('"customer":"cus_1"', '"customer":"cus_1","quantity":12345678901234567891')
    const event = StripeEvent.parse(JSON.parse(text))
    expect(await createGroupRecorder(sql).record(toRecorded(event, '#1 00000000', text))).toBe(true)
    const [row] = await sql<{ q: string }[]>`select payload #>> '{data,object,quantity}' as q from billing.stripe_events where id = ${id}`
    expect(row.q).toBe('12345678901234567891')
  })
})
