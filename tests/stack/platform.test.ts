// The platform under the product: real pg_cron and pgmq, the pg_net and vault stand-ins, the health
// function behind the gateway.
import { afterAll, describe, expect, test } from 'vitest'
import { PGMQ_CRATE_VERSION } from '../../dev/stack/extensions.ts'
import { adminSql, functionsUrl, keys, uniq } from '../helpers/stack.ts'

const sql = adminSql()
afterAll(() => sql.end())

describe('health function', () => {
  test('reports the database version and the installed extension versions', async () => {
    const res = await fetch(`${functionsUrl}/health`, { headers: { authorization: `Bearer ${keys.anon}` } })
    expect(res.status).toBe(200)
    const body = await res.json()
    expect(body.postgres).toMatch(/^15\./)
    expect(body.extensions.pgmq.installed).toBe('1.11.1')
    expect(body.extensions.pg_cron.installed).toMatch(/^1\.4/)
    expect(body.extensions.pg_net.installed).toMatch(/-dev$/)
    expect(body.extensions.supabase_vault.installed).toMatch(/-dev$/)
  })
})

describe('pgmq', () => {
  test(`is the real extension from the pgmq crate ${PGMQ_CRATE_VERSION}`, async () => {
    const [ext] = await sql`select extversion from pg_extension where extname = 'pgmq'`
    expect(ext.extversion).toBe('1.11.1')
    const [fn] = await sql`select count(*)::int as n from pg_proc where pronamespace = 'pgmq'::regnamespace and proname in ('read_with_poll', 'set_vt', 'metrics', 'archive')`
    expect(fn.n).toBeGreaterThanOrEqual(4)
  })

  test('a create, send, read, archive round trip keeps the message in the archive', async () => {
    const q = uniq('q')
    await sql`select pgmq.create(${q})`
    try {
      const [{ send: id }] = await sql`select * from pgmq.send(${q}, ${sql.json({ hello: q })}, 0)`
      const read = await sql`select msg_id, read_ct, message from pgmq.read(${q}, 30, 5)`
      expect(read).toHaveLength(1)
      expect(read[0].message).toEqual({ hello: q })
      expect(read[0].read_ct).toBe(1)
      // Invisible while its visibility timeout runs.
      expect(await sql`select * from pgmq.read(${q}, 30, 5)`).toHaveLength(0)
      const [{ archive }] = await sql`select pgmq.archive(${q}, ${id}::bigint)`
      expect(archive).toBe(true)
      const archived = await sql.unsafe(`select msg_id, message from pgmq.a_${q}`)
      expect(archived.map((r) => String(r.msg_id))).toEqual([String(id)])
      const [m] = await sql`select queue_length from pgmq.metrics(${q})`
      expect(Number(m.queue_length)).toBe(0)
    } finally {
      await sql`select pgmq.drop_queue(${q})`
    }
  })
})

describe('vault stand-in', () => {
  test('a secret created with vault.create_secret reads back from vault.decrypted_secrets', async () => {
    const name = uniq('secret')
    const [{ create_secret: id }] = await sql`select vault.create_secret('s3cr3t-value', ${name}, 'test')`
    const [row] = await sql`select id, decrypted_secret from vault.decrypted_secrets where name = ${name}`
    expect(row).toEqual({ id, decrypted_secret: 's3cr3t-value' })
    await sql`delete from vault.secrets where id = ${id}`
  })

  test('the local stack stored the project URL and service key for cron jobs', async () => {
    const rows = await sql`select name from vault.decrypted_secrets where name in ('project_url', 'service_role_key') order by name`
    expect(rows.map((r) => r.name)).toEqual(['project_url', 'service_role_key'])
  })
})

describe('pg_cron and the pg_net relay', () => {
  test('a cron-scheduled net.http_post reaches an edge function through the relay', { timeout: 180_000 }, async () => {
    // `testjob_` marks it as a test's own job: doctor.test.ts, running alongside, leaves it out of the migrations' jobs.
    const marker = uniq('testjob')
    // Outside `public`, so the generated types (checked by another test running alongside) stay unchanged.
    await sql`create schema if not exists stack_test`
    await sql`create table if not exists stack_test.cron_probe (marker text, request_id bigint, at timestamptz default now())`
    const command = `insert into stack_test.cron_probe (marker, request_id)
      select '${marker}', net.http_post(
        url := (select decrypted_secret from vault.decrypted_secrets where name = 'project_url') || '/functions/v1/health',
        headers := jsonb_build_object('Content-Type', 'application/json', 'Authorization',
          'Bearer ' || (select decrypted_secret from vault.decrypted_secrets where name = 'service_role_key')))`
    const [{ schedule: jobId }] = await sql`select cron.schedule(${marker}, '* * * * *', ${command})`
    try {
      let response: { status_code: number; content: string } | undefined
      // Two minutes and more: the job runs at the next whole minute, and a loaded machine may miss a tick.
      const deadline = Date.now() + 150_000
      while (!response && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 1000))
        const [row] = await sql<{ status_code: number; content: string }[]>`
          select r.status_code, r.content from stack_test.cron_probe p
          join net._http_response r on r.id = p.request_id where p.marker = ${marker}`
        response = row
      }
      expect(response?.status_code).toBe(200)
      expect(JSON.parse(response!.content).extensions.pgmq.installed).toBe('1.11.1')
      const [run] = await sql`select status from cron.job_run_details where jobid = ${jobId} order by start_time desc limit 1`
      expect(run.status).toBe('succeeded')
    } finally {
      await sql`select cron.unschedule(${jobId}::bigint)`
      await sql`delete from stack_test.cron_probe where marker = ${marker}`
    }
  })

  test('a request queued in a transaction that rolls back is never performed', { timeout: 60_000 }, async () => {
    let requestId: string | undefined
    await sql
      .begin(async (tx) => {
        const [row] = await tx`select net.http_get('http://127.0.0.1:9/never') as id`
        requestId = String(row.id)
        throw new Error('rollback')
      })
      .catch(() => undefined)
    expect(requestId).toBeDefined()
    // A request committed after it: once the relay has performed that one, it has polled since the rollback.
    const [{ id: after }] = await sql`select net.http_get('http://127.0.0.1:9/after') as id`
    for (const end = Date.now() + 30_000; Date.now() < end;) {
      if ((await sql`select 1 from net._http_response where id = ${after}`).length > 0) break
      await new Promise((r) => setTimeout(r, 100))
    }
    expect(await sql`select id from net._http_response where id = ${after}`).toHaveLength(1)
    const rows = await sql`select id from net._http_response where id = ${requestId!}`
    expect(rows).toHaveLength(0)
  })

  test('a committed request is performed and its response recorded', { timeout: 60_000 }, async () => {
    const [{ id }] = await sql`select net.http_get('http://127.0.0.1:9/refused') as id`
    let row: { status_code: number | null; error_msg: string | null } | undefined
    for (const end = Date.now() + 30_000; !row && Date.now() < end;) {
      await new Promise((r) => setTimeout(r, 100))
      ;[row] = (await sql`select status_code, error_msg from net._http_response where id = ${id}`) as unknown as (typeof row)[]
    }
    expect(row?.status_code).toBeNull()
    // The connection to port 9 is refused: the error names the failure, not an empty string.
    expect(row?.error_msg).toMatch(/fetch failed|refused/i)
  })
})
