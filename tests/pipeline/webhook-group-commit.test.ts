// The webhook's group commit against the stack's Postgres: concurrent deliveries share one insert and
// one commit, each answered with its own row's outcome, and none before the commit.
import { afterAll, describe, expect, test } from 'vitest'
import { StripeEvent, toRecorded } from '../../supabase/functions/_shared/webhook/envelope.ts'
import { createGroupRecorder } from '../../supabase/functions/_shared/webhook/group-commit.ts'
import { pooledSql } from '../helpers/pooler.ts'
import { adminSql, uniq } from '../helpers/stack.ts'
import { fakeEvent } from '../helpers/stripe-events.ts'

const sql = adminSql()
afterAll(() => sql.end())

const recorded = (id: string) => toRecorded(StripeEvent.parse(fakeEvent('product.updated', { id: 'prod_gc', object: 'product' }, id)), '#1 00000000')
const rows = async (ids: string[]) => (await sql<{ id: string }[]>`select id from billing.stripe_events where id = any(${ids})`).map((r) => r.id).sort()

// An idle recorder flushes the first two arrivals at once, each alone; what arrives meanwhile waits for
// them and goes in one group. So two fillers first put the events under test in one group together.
function recordInOneGroup(events: ReturnType<typeof recorded>[]) {
  const recorder = createGroupRecorder(sql)
  const fillers = [recorded(uniq('evt_gcf')), recorded(uniq('evt_gcf'))].map((e) => recorder.record(e))
  const results = events.map((e) => recorder.record(e).then((v) => ({ ok: v }), (err: Error) => ({ error: err.message })))
  return { recorder, fillers, results: Promise.all(results) }
}

/** Runs `body` with a trigger on the inbox that refuses ids with this prefix (row insert or, deferred, commit). */
async function withRefusal(prefix: string, when: 'insert' | 'commit', body: () => Promise<void>) {
  const fn = `public.test_refuse_${prefix}`
  await sql.unsafe(`create function ${fn}() returns trigger language plpgsql as $$ begin raise exception 'refused %', new.id; end $$`)
  await sql.unsafe(when === 'insert'
    ? `create trigger test_refuse_${prefix} before insert on billing.stripe_events for each row when (new.id like '${prefix}%') execute function ${fn}()`
    : `create constraint trigger test_refuse_${prefix} after insert on billing.stripe_events deferrable initially deferred for each row when (new.id like '${prefix}%') execute function ${fn}()`)
  try {
    await body()
  } finally {
    await sql.unsafe(`drop trigger test_refuse_${prefix} on billing.stripe_events`)
    await sql.unsafe(`drop function ${fn}()`)
  }
}

describe('webhook group commit', () => {
  test('the same event twice in one group is one row, recorded for the first and a duplicate for the second', async () => {
    const id = uniq('evt_gcdup')
    const { recorder, fillers, results } = recordInOneGroup([recorded(id), recorded(id)])
    expect(await Promise.all(fillers)).toEqual([true, true])
    expect(await results).toEqual([{ ok: true }, { ok: false }])
    expect(recorder.groupSizes).toEqual([1, 1, 2])
    expect(await rows([id])).toEqual([id])
  })

  test('a row the database refuses fails its own request only; its neighbours in the group are recorded', async () => {
    const prefix = `evt_gcbad${Date.now().toString(36)}`
    await withRefusal(prefix, 'insert', async () => {
      const [good1, bad, good2] = [uniq('evt_gcok'), `${prefix}_1`, uniq('evt_gcok')]
      const { recorder, results } = recordInOneGroup([recorded(good1), recorded(bad), recorded(good2)])
      const [r1, r2, r3] = await results
      expect(recorder.groupSizes).toEqual([1, 1, 3])
      expect([r1, r3]).toEqual([{ ok: true }, { ok: true }])
      expect(r2).toEqual({ error: expect.stringContaining(`refused ${bad}`) })
      expect(await rows([good1, bad, good2])).toEqual([good1, good2].sort())
    })
  })

  test('when the commit is refused, every request of the group fails and nothing was acknowledged', async () => {
    const prefix = `evt_gcrefuse${Date.now().toString(36)}`
    await withRefusal(prefix, 'commit', async () => {
      const ids = [1, 2, 3].map((i) => `${prefix}_${i}`)
      const { recorder, results } = recordInOneGroup(ids.map(recorded))
      const answers = await results
      expect(recorder.groupSizes).toEqual([1, 1, 3])
      expect(answers).toEqual(ids.map((id) => ({ error: expect.stringContaining(`refused ${id}`) })))
      expect(await rows(ids)).toEqual([])
    })
  })

  test('behind a transaction-mode pooler the group goes as one simple query, and each signed body is stored as it came', async () => {
    const { sql: pooled, seen, end } = await pooledSql()
    try {
      const id = uniq('evt_gcpool')
      const event = fakeEvent('product.updated', { id: 'prod_gc', object: 'product', name: "Bob's \\ \"quoted\" $1 ünïcødé 🧾", description: 'line\nbreak' }, id)
      const body = JSON.stringify(event)
      const from = seen.length
      expect(await createGroupRecorder(pooled).record(toRecorded(StripeEvent.parse(event), '#1 00000000', body))).toBe(true)
      expect(seen.slice(from).map((q) => q.params)).toEqual([[]])
      const [row] = await sql<{ payload: unknown }[]>`select payload from billing.stripe_events where id = ${id}`
      expect(row.payload).toEqual(JSON.parse(body))
    } finally {
      await end()
    }
  })
})
