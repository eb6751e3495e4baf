// DEVELOPMENT-ONLY: the background worker of the pg_net stand-in. It wakes on the NOTIFY that
// net.http_post/http_get send (delivered only after the enqueuing transaction commits), claims queued
// requests, performs them with fetch and records each result in net._http_response, as pg_net does.
// A poll every second covers notifications missed while it was reconnecting.
import { writeFileSync } from 'node:fs'
import postgres from 'postgres'

const sql = postgres(process.env.RELAY_DB_URL ?? '', { max: 4, onnotice: () => {} })
const readyFile = process.env.RELAY_READY_FILE
const BATCH = 20

interface Queued {
  id: string
  method: string
  url: string
  headers: Record<string, string>
  body: Buffer | null
  timeout_milliseconds: number
}

async function perform(r: Queued): Promise<void> {
  let result: { status: number | null; type: string | null; headers: Record<string, string>; content: string | null; timedOut: boolean; error: string | null }
  try {
    const res = await fetch(r.url, {
      method: r.method,
      headers: r.headers,
      body: r.body ? new Uint8Array(r.body) : undefined,
      signal: AbortSignal.timeout(r.timeout_milliseconds),
    })
    result = {
      status: res.status,
      type: res.headers.get('content-type'),
      headers: Object.fromEntries(res.headers),
      content: await res.text(),
      timedOut: false,
      error: null,
    }
  } catch (err) {
    const timedOut = err instanceof Error && err.name === 'TimeoutError'
    result = { status: null, type: null, headers: {}, content: null, timedOut, error: timedOut ? 'Timeout was reached' : String(err) }
    console.error(`relay: request ${r.id} ${r.method} ${r.url} failed: ${result.error}`)
  }
  await sql`
    insert into net._http_response (id, status_code, content_type, headers, content, timed_out, error_msg)
    values (${r.id}, ${result.status}, ${result.type}, ${sql.json(result.headers)}, ${result.content}, ${result.timedOut}, ${result.error})`
}

let draining = false
let again = false
/** Claims and performs queued requests until none are left; overlapping wake-ups fold into one loop. */
async function drain(): Promise<void> {
  if (draining) {
    again = true
    return
  }
  draining = true
  try {
    do {
      again = false
      const batch = await sql<Queued[]>`
        delete from net.http_request_queue where id in (
          select id from net.http_request_queue order by id limit ${BATCH} for update skip locked)
        returning id, method, url, headers, body, timeout_milliseconds`
      await Promise.all(batch.map(perform))
      if (batch.length === BATCH) again = true
    } while (again)
  } catch (err) {
    console.error('relay: drain failed:', err)
  } finally {
    draining = false
  }
}

await sql.listen('pg_net_standin', () => void drain())
const timer = setInterval(() => void drain(), 1000)
await drain()
if (readyFile) writeFileSync(readyFile, String(process.pid))
console.log('relay (pg_net stand-in) ready')

for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.on(sig, () => {
    clearInterval(timer)
    void sql.end({ timeout: 1 }).then(() => process.exit(0))
  })
}
