// Test-only stand-ins for Resend's HTTP API: each listens on a free port and points the email transport at
// itself through the environment, and records what it received.
import http from 'node:http'
import type { AddressInfo } from 'node:net'

/** A stand-in for Resend's API that answers with the given status and records what it received. */
export async function fakeResend(status: number, body: unknown, headers: Record<string, string> = {}) {
  const received: { headers: http.IncomingHttpHeaders; body: Record<string, unknown> }[] = []
  const server = http.createServer((req, res) => {
    let data = ''
    req.on('data', (d) => (data += d))
    req.on('end', () => {
      received.push({ headers: req.headers, body: JSON.parse(data) })
      res.writeHead(status, { 'content-type': 'application/json', ...headers })
      res.end(JSON.stringify(body))
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  process.env.EMAIL_TRANSPORT = 'resend'
  process.env.RESEND_API_KEY = 're_test_key'
  process.env.RESEND_API_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { received, close: () => new Promise((r) => server.close(r)) }
}

/** A stand-in for Resend's batch endpoint: dedupes on Idempotency-Key as Resend does; `drop` loses answers. */
export async function fakeResendBatch(opts: { drop?: number; refuse?: (to: string[]) => boolean } = {}) {
  const calls: { at: number; key: string; to: string[] }[] = []
  const delivered = new Map<string, number>()
  const answers = new Map<string, string>()
  let drops = opts.drop ?? 0
  const server = http.createServer((req, res) => {
    let data = ''
    req.on('data', (d) => (data += d))
    req.on('end', () => {
      const key = String(req.headers['idempotency-key'])
      const body = JSON.parse(data)
      const to: string[] = req.url === '/emails/batch' ? body.map((m: { to: string[] }) => m.to[0]) : [body.to[0]]
      calls.push({ at: Date.now(), key, to })
      if (opts.refuse?.(to)) {
        res.writeHead(422, { 'content-type': 'application/json' })
        return res.end(JSON.stringify({ name: 'validation_error', message: 'Invalid `to` field' }))
      }
      let answer = answers.get(key)
      if (!answer) {
        for (const t of to) delivered.set(t, (delivered.get(t) ?? 0) + 1)
        const ids = to.map((_, i) => ({ id: `msg_${calls.length}_${i}` }))
        answers.set(key, (answer = JSON.stringify(req.url === '/emails/batch' ? { data: ids } : ids[0])))
      }
      if (drops-- > 0) return req.socket.destroy() // delivered, but the answer is lost
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(answer)
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  process.env.EMAIL_TRANSPORT = 'resend'
  process.env.RESEND_API_KEY = 're_test_key'
  process.env.RESEND_API_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { calls, delivered, close: () => new Promise((r) => server.close(r)) }
}
