// The functions host across a Postgres restart under load and backends ended by an administrator, on a
// throwaway profile of its own: once the database is back, every request succeeds (no dead pooled
// connection is reused), and nothing is thrown outside a request.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { apiKeys } from '../../dev/stack/config.ts'
import { startCluster, stopCluster, superuser } from '../../dev/stack/postgres.ts'
import { down, up } from '../../dev/stack/stack.ts'
import { probeProfile } from '../helpers/stack.ts'
import { fakeEvent, postSigned } from '../helpers/stripe-events.ts'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('the functions host across a Postgres restart', () => {
  test('after a Postgres restart under load and backends ended by an administrator, every webhook and worker run succeeds', { timeout: 300_000 }, async () => {
    const p = probeProfile('pgrestart')
    await up(p, { fresh: true })
    try {
      const webhook = `${p.apiUrl}/functions/v1/stripe-webhook`
      const { serviceRole } = await apiKeys(p)
      const deliver = async () => (await postSigned(JSON.stringify(fakeEvent('customer.updated', { id: `cus_restart_${Math.floor(Math.random() * 50)}`, object: 'customer' })), webhook)).status
      const sync = async () => {
        const res = await fetch(`${p.apiUrl}/functions/v1/stripe-sync`, { method: 'POST', headers: { authorization: `Bearer ${serviceRole}`, 'content-type': 'application/json' }, body: '{"trigger":"test"}' })
        await res.body?.cancel()
        return res.status
      }
      // Load: webhooks 8 at a time and the worker, so that both pools hold many open connections.
      let loading = true
      const load = Promise.all([
        ...Array.from({ length: 8 }, async () => { while (loading) await deliver().catch(() => 0) }),
        (async () => { while (loading) await sync().catch(() => 0) })(),
      ])
      await sleep(3000)
      // A restart in the middle of the load: requests fail while Postgres is down, then recover.
      await stopCluster(p)
      await sleep(500)
      await startCluster(p)
      let recovered = false
      for (const end = Date.now() + 60_000; !recovered && Date.now() < end;) {
        recovered = (await deliver()) === 200
        if (!recovered) await sleep(200)
      }
      expect(recovered).toBe(true)
      await sleep(2000)
      loading = false
      await load
      // Then an administrator ends every backend while the pools sit idle: the connections they hold
      // are dead, which postgres.js learns only when it next uses one.
      const check = superuser(p)
      await check`select pg_terminate_backend(pid) from pg_stat_activity
        where pid <> pg_backend_pid() and backend_type = 'client backend' and datname = current_database()`
      const logFile = path.join(p.logDir, 'functions.log')
      const logBefore = readFileSync(logFile, 'utf8').length
      // Every request after recovery succeeds, however many pooled connections the restart killed.
      const statuses = new Map<number, number>()
      let next = 0
      await Promise.all(Array.from({ length: 8 }, async () => {
        while (next++ < 400) {
          const s = await deliver()
          statuses.set(s, (statuses.get(s) ?? 0) + 1)
        }
      }))
      const syncs = await Promise.all([sync(), sync(), sync()])
      expect(Object.fromEntries(statuses)).toEqual({ 200: 400 })
      expect(syncs).toEqual([200, 200, 200])
      const log = readFileSync(logFile, 'utf8').slice(logBefore)
      // Nothing escapes a request but postgres.js's own unhandled rejection on a connection the server
      // ended (porsager/postgres#1154, fixed upstream in an open pull request): logged, and harmless, as
      // every request above succeeded.
      const escaped = log.split('\n').filter((l) => /outside a request|unhandled rejection/.test(l))
      expect(escaped.filter((l) => !l.includes("Cannot read properties of null (reading 'write')"))).toEqual([])
      const [{ n }] = await check`select count(*)::int as n from billing.stripe_events`
      await check.end()
      expect(n).toBeGreaterThanOrEqual(400)
    } finally {
      await down(p, { cluster: true })
    }
  })
})
