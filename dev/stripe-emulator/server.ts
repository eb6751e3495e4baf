// The HTTP face: Stripe's /v1 API (Bearer sk_test_ auth, form bodies, Idempotency-Key replay,
// Stripe-Version, Stripe-shaped errors, seeded API faults), the hosted pages, and /_emulator control.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { createHash, randomBytes } from 'node:crypto'
import { Emulator, API_VERSION, type EmulatorOptions } from './emulator.ts'
import { StripeApiError } from './errors.ts'
import { parseBody, parseParams } from './form.ts'
import { pathKnown, routeFor } from './router.ts'
import { handleControl, type RequestLogEntry } from './control.ts'
import { handlePage } from './pages/index.ts'
import { runDue } from './billing/scheduler.ts'
import { checkRequest, operationFor } from './contract/requests.ts'
import { warmUp } from './contract/responses.ts'

export interface StartOptions extends Partial<EmulatorOptions> {
  port?: number
  host?: string
  /** How often the emulator's own clock runs due work (renewals, retries), in ms. */
  tickMs?: number
  /** A change is written to the snapshot once changes have paused this long (ms)... */
  snapshotQuietMs?: number
  /** ...or at the latest this long after the first unsaved change (ms); always on close. */
  snapshotMaxDelayMs?: number
}

export interface RunningEmulator {
  url: string
  port: number
  emu: Emulator
  close(): Promise<void>
}

interface Cached { hash: string; status: number; body: string }

const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000

async function readRaw(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const c of req) chunks.push(c as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

function apiKey(req: http.IncomingMessage): string | null {
  const auth = req.headers.authorization ?? ''
  const bearer = /^Bearer\s+(\S+)$/i.exec(auth)
  if (bearer) return bearer[1]
  const basic = /^Basic\s+(\S+)$/i.exec(auth)
  if (basic) return Buffer.from(basic[1], 'base64').toString('utf8').split(':')[0] || null
  return null
}

export async function startEmulator(opts: StartOptions = {}): Promise<RunningEmulator> {
  const host = opts.host ?? '127.0.0.1'
  const server = http.createServer()
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, host, resolve))
  const port = (server.address() as AddressInfo).port
  const emu = new Emulator({ publicUrl: opts.publicUrl ?? `http://${host}:${port}`, ...opts } as EmulatorOptions)
  // Compile the spec's validators before the first request, which would otherwise wait for them.
  if (emu.conformance.mode !== 'off') {
    warmUp()
    operationFor('GET', '/v1/customers')
  }
  if (opts.snapshotPath) emu.loadSnapshot()
  const log: RequestLogEntry[] = []
  const idempotency = new Map<string, Cached & { at: number }>()
  // Snapshots follow changes, but not each one: a state of hundreds of MB (a long-lived `npm start`'s
  // events) takes seconds to serialize and write, which every tick after each change kept a core busy with.
  const [quietMs, maxDelayMs] = [opts.snapshotQuietMs ?? 2_000, opts.snapshotMaxDelayMs ?? 30_000]
  let changedAt = 0
  let unsavedSince: number | null = null
  const changed = () => {
    changedAt = Date.now()
    unsavedSince ??= changedAt
  }

  function send(res: http.ServerResponse, status: number, body: string, headers: Record<string, string> = {}) {
    res.writeHead(status, { 'content-type': 'application/json', ...headers })
    res.end(body)
  }

  async function api(req: http.IncomingMessage, res: http.ServerResponse, url: URL, requestId: string, customer: string | null): Promise<{ status: number; fault: string | null }> {
    const key = apiKey(req)
    const headers: Record<string, string> = { 'request-id': requestId, 'stripe-version': String(req.headers['stripe-version'] ?? API_VERSION) }
    const fail = (e: StripeApiError, extra: Record<string, string> = {}) => {
      send(res, e.status, JSON.stringify(e.body()), { ...headers, ...extra })
      return e.status
    }
    if (!key) return { status: fail(new StripeApiError(401, 'invalid_request_error', 'You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. \'Authorization: Bearer YOUR_SECRET_KEY\').')), fault: null }
    if (!/^(sk|rk)_test_\w+/.test(key)) return { status: fail(new StripeApiError(401, 'invalid_request_error', `Invalid API Key provided: ${key.slice(0, 8)}****. The emulator accepts only test-mode secret keys (sk_test_...).`, { code: 'api_key_invalid' })), fault: null }
    const version = req.headers['stripe-version']
    if (version !== undefined && !/^\d{4}-\d{2}-\d{2}(\.\w+)?$/.test(String(version))) {
      return { status: fail(new StripeApiError(400, 'invalid_request_error', `Invalid Stripe API version: ${String(version)}`, { code: 'invalid_api_version' })), fault: null }
    }
    // Read before any slow answer: a client that times out meanwhile aborts the request body.
    const raw = await readRaw(req)
    const fault = emu.chaos.apiFault(customer)
    if (fault.kind === '429') return { status: fail(new StripeApiError(429, 'invalid_request_error', 'Too many requests hit the API too quickly. (emulator chaos)', { code: 'rate_limit' }), { 'retry-after': String(fault.retryAfterS), 'stripe-should-retry': 'true' }), fault: '429' }
    if (fault.kind === '500') return { status: fail(new StripeApiError(500, 'api_error', 'An unknown error occurred (emulator chaos).'), { 'stripe-should-retry': 'true' }), fault: '500' }
    if (fault.kind === 'slow') await new Promise((r) => setTimeout(r, fault.ms))

    const method = req.method ?? 'GET'
    let params: Record<string, any>
    try {
      params = method === 'POST' ? parseBody(req.headers['content-type'], raw) : parseParams(url.search.slice(1))
    } catch {
      return { status: fail(new StripeApiError(400, 'invalid_request_error', 'Invalid request body: could not be parsed.')), fault: null }
    }
    const idemKey = method === 'POST' ? (req.headers['idempotency-key'] as string | undefined) ?? null : null
    const hash = createHash('sha256').update(`${method} ${url.pathname} ${raw}`).digest('hex')
    if (idemKey) {
      const cached = idempotency.get(`${key}:${idemKey}`)
      if (cached && Date.now() - cached.at < IDEMPOTENCY_TTL_MS) {
        if (cached.hash !== hash) {
          return { status: fail(new StripeApiError(400, 'idempotency_error', `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idemKey}' if you meant to execute a different request.`)), fault: null }
        }
        send(res, cached.status, cached.body, { ...headers, 'idempotent-replayed': 'true', 'idempotency-key': idemKey })
        return { status: cached.status, fault: null }
      }
    }
    let status = 200
    let body: string
    emu.request = { id: requestId, idempotency_key: idemKey }
    try {
      const found = routeFor(method, url.pathname)
      if (!found) {
        throw pathKnown(url.pathname)
          ? new StripeApiError(405, 'invalid_request_error', `Unrecognized request URL (${method}: ${url.pathname}).`)
          : new StripeApiError(404, 'invalid_request_error', `Unrecognized request URL (${method}: ${url.pathname}). The emulator does not implement this endpoint.`)
      }
      // Strict mode: the request as Stripe would read it first, then the answer as Stripe would send it.
      if (emu.conformance.mode !== 'off') {
        const checked = checkRequest(method, url.pathname, params)
        if (checked) emu.conformance.request(checked.operation, checked.refusal, `${method} ${url.pathname}`)
        emu.conformance.tap?.({ method, path: url.pathname, search: url.search, body: raw })
        if (checked?.refusal && emu.conformance.strict) {
          const { param, message, code } = checked.refusal
          throw new StripeApiError(400, 'invalid_request_error', message, code ? { code, param } : { param })
        }
      }
      const answer = found.route.handle(emu, params, found.match)
      if (method !== 'GET') changed()
      const mismatch = emu.conformance.response(answer, `${method} ${url.pathname}`)
      if (mismatch && emu.conformance.strict) throw new StripeApiError(500, 'api_error', `The emulator's answer does not match Stripe's spec (strict mode): ${mismatch.type} at ${mismatch.path}: ${mismatch.rule}`)
      body = JSON.stringify(answer)
    } catch (err) {
      const e = err instanceof StripeApiError ? err : new StripeApiError(500, 'api_error', 'An unknown error occurred in the emulator.')
      if (!(err instanceof StripeApiError)) console.error(`stripe-emulator: ${requestId} ${method} ${url.pathname} failed:`, err)
      status = e.status
      body = JSON.stringify(e.body())
      // Error bodies are held to the spec's `error` schema too (reported; the error stands).
      emu.conformance.response(e.body(), `${method} ${url.pathname}`)
    } finally {
      emu.request = { id: null, idempotency_key: null }
    }
    // Stripe saves the result of an idempotent request, errors included, except server errors.
    if (idemKey && status < 500) idempotency.set(`${key}:${idemKey}`, { hash, status, body, at: Date.now() })
    send(res, status, body, idemKey ? { ...headers, 'idempotency-key': idemKey } : headers)
    return { status, fault: fault.kind === 'slow' ? 'slow' : null }
  }

  server.on('request', async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://emulator')
    const start = Date.now()
    const requestId = `req_${randomBytes(7).toString('hex')}`
    try {
      if (url.pathname.startsWith('/_emulator/') || url.pathname === '/_emulator') {
        const raw = await readRaw(req)
        let body: Record<string, any> = {}
        try {
          body = raw ? JSON.parse(raw) : {}
        } catch {
          return send(res, 400, JSON.stringify({ error: { message: 'Control API bodies are JSON' } }))
        }
        const r = await handleControl(emu, log, req.method ?? 'GET', url.pathname, url.searchParams, body)
        return send(res, r.status, JSON.stringify(r.body))
      }
      if (url.pathname.startsWith('/v1/')) {
        const customer = url.searchParams.get('customer') ?? /^\/v1\/customers\/(cus_[^/]+)/.exec(url.pathname)?.[1] ?? null
        const { status, fault } = await api(req, res, url, requestId, customer)
        log.push({ id: requestId, method: req.method ?? 'GET', path: url.pathname, status, customer, start, end: Date.now(), fault })
        if (log.length > 20_000) log.splice(0, log.length - 10_000)
        return
      }
      const form = req.method === 'POST' ? parseParams(await readRaw(req)) : {}
      const page = handlePage(emu, req.method ?? 'GET', url.pathname, form)
      if (page) {
        if (req.method === 'POST') changed()
        if (page.location) {
          res.writeHead(page.status, { location: page.location })
          return res.end()
        }
        if (page.file) {
          res.writeHead(page.status, { 'content-type': page.file.contentType, 'content-disposition': `inline; filename="${page.file.filename}"`, 'content-length': page.file.body.length })
          return res.end(page.file.body)
        }
        res.writeHead(page.status, { 'content-type': 'text/html; charset=utf-8' })
        return res.end(page.html)
      }
      send(res, 404, JSON.stringify({ error: { type: 'invalid_request_error', message: `Unrecognized request URL (${req.method}: ${url.pathname}).` } }))
    } catch (err) {
      console.error(`stripe-emulator: ${requestId} ${req.method} ${url.pathname} failed:`, err)
      if (!res.headersSent) send(res, 500, JSON.stringify({ error: { type: 'api_error', message: 'An unknown error occurred in the emulator.' } }))
      else res.end()
    }
  })

  // The emulator's own clock runs due work as (offset) wall time passes; snapshots follow changes.
  const tick = setInterval(() => {
    try {
      if (runDue(emu, null, emu.now()) > 0) changed()
      const now = Date.now()
      if (unsavedSince !== null && opts.snapshotPath && (now - changedAt >= quietMs || now - unsavedSince >= maxDelayMs)) {
        emu.saveSnapshot()
        unsavedSince = null
      }
    } catch (err) {
      console.error('stripe-emulator: scheduled work failed:', err)
    }
  }, opts.tickMs ?? 1000)

  return {
    url: `http://${host}:${port}`,
    port,
    emu,
    async close() {
      clearInterval(tick)
      emu.webhooks.close()
      if (opts.snapshotPath) emu.saveSnapshot()
      emu.conformance.flushTally()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
