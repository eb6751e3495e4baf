// Development only: the API gateway routes of the local stack, standing in for Supabase's (Kong + the
// edge runtime's main worker). /functions/v1/<name>/... reaches the function's handler in-process, with
// the JWT verified first unless supabase/config.toml sets `verify_jwt = false` for it; /auth/v1/... is
// proxied to Auth. Errors are JSON, shaped as Supabase's gateway shapes them.
import { jwtVerify } from 'jose'
import { parse } from 'npm:smol-toml@1.9.1'

type Handler = (req: Request, info: Deno.ServeHandlerInfo) => Response | Promise<Response>
/**
 * A function behind the gateway: `req` as the gateway received it, `url` the one the function sees
 * (/<name>/...). Each host builds what its function needs from them, rather than the gateway building a
 * Request per call (`new Request(url, req)` was a sixth of the host's main-thread CPU per webhook).
 */
export type FunctionHandler = (req: Request, url: string, info: Deno.ServeHandlerInfo) => Promise<Response>

export interface GatewayOptions {
  root: string
  authPort: number
  jwtSecret: string
  apiKeys: string[]
  handlers: Map<string, FunctionHandler>
  failures: Map<string, string>
  /** Each function's OS thread id, listed by /health (a bench's CPU per function); absent: not listed. */
  threads?: Map<string, () => number | null>
}

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-headers': 'authorization, x-client-info, apikey, content-type, x-supabase-api-version',
  'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } })

export function createGateway(o: GatewayOptions): Handler {
  // Imported once, at the first use (an unusable secret fails that verification): given the raw secret,
  // jose imports it as a key on every verification.
  let key: Promise<CryptoKey> | undefined
  const secret = () => key ??= crypto.subtle.importKey('raw', new TextEncoder().encode(o.jwtSecret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify'])
  const apiKeys = new Set(o.apiKeys)
  const configFile = `${o.root}/supabase/config.toml`
  let config: { mtime: number; checked: number; functions: Record<string, { verify_jwt?: boolean }> } | undefined

  /** config.toml's [functions.<name>] settings, re-read when the file changes (checked once a second). */
  function verifyJwt(name: string): boolean {
    const now = Date.now()
    if (!config || now - config.checked > 1000) {
      const mtime = Deno.statSync(configFile).mtime?.getTime() ?? 0
      if (config?.mtime === mtime) config.checked = now
      else {
        const parsed = parse(Deno.readTextFileSync(configFile)) as { functions?: Record<string, { verify_jwt?: boolean }> }
        config = { mtime, checked: now, functions: parsed.functions ?? {} }
      }
    }
    return config.functions[name]?.verify_jwt !== false
  }

  // Tokens verified already, with their expiry (s; Infinity: none): the same token (the service-role key
  // on every kick and cron call) is verified once, not per request (jose's verification was an eighth of
  // the gateway's CPU per stripe-sync call). Bounded: cleared when full.
  const verified = new Map<string, number>()
  async function jwtProblem(header: string | null): Promise<string | undefined> {
    const token = /^Bearer (.+)$/i.exec(header ?? '')?.[1]
    if (!token) return 'Missing authorization header'
    const exp = verified.get(token)
    if (exp !== undefined && exp > Date.now() / 1000) return undefined
    try {
      const { payload } = await jwtVerify(token, await secret(), { algorithms: ['HS256'] })
      if (verified.size >= 1000) verified.clear()
      verified.set(token, payload.exp ?? Number.POSITIVE_INFINITY)
      return undefined
    } catch {
      verified.delete(token)
      return 'Invalid JWT'
    }
  }

  async function functions(req: Request, info: Deno.ServeHandlerInfo, url: URL, rest: string): Promise<Response> {
    const name = rest.split('/')[0]
    const handler = o.handlers.get(name)
    if (!handler) {
      const why = o.failures.get(name)
      if (why) return json(500, { code: 'BOOT_ERROR', message: `Function ${name} failed to start`, detail: why }, CORS)
      return json(404, { code: 'NOT_FOUND', message: `Requested function was not found: ${name}` }, CORS)
    }
    // Preflight requests carry no credentials; the function answers them itself, as on hosted Supabase.
    if (req.method !== 'OPTIONS' && verifyJwt(name)) {
      const problem = await jwtProblem(req.headers.get('authorization'))
      if (problem) return json(401, { code: 401, message: problem }, CORS)
    }
    try {
      // Functions see /<name>/... as their path, as on Supabase's edge runtime.
      return await handler(req, `${url.protocol}//${url.host}/${rest}${url.search}`, info)
    } catch (err) {
      console.error(`functions: ${name} ${req.method} ${url.pathname} threw:`, err)
      return json(500, { code: 'WORKER_ERROR', message: 'Function threw an unhandled error' })
    }
  }

  async function auth(req: Request, url: URL, rest: string): Promise<Response> {
    if (req.method === 'OPTIONS') return new Response(null, { status: 204, headers: CORS })
    // The emailed links open /verify in a browser, without a key: an open route, as in Supabase's gateway.
    const open = req.method === 'GET' && rest === 'verify'
    const apikey = req.headers.get('apikey')
    const bearer = /^Bearer (.+)$/i.exec(req.headers.get('authorization') ?? '')?.[1]
    if (!apikey && !bearer && !open) return json(401, { message: 'No API key found in request' }, CORS)
    // The apikey must be one of the project's keys (a user JWT may ride in Authorization alongside it).
    if (apikey && !apiKeys.has(apikey)) return json(401, { message: 'Invalid API key' }, CORS)
    try {
      const res = await fetch(`http://127.0.0.1:${o.authPort}/${rest}${url.search}`, {
        method: req.method,
        headers: req.headers,
        body: req.body,
        redirect: 'manual',
      })
      const headers = new Headers(res.headers)
      headers.set('access-control-allow-origin', '*')
      return new Response(res.body, { status: res.status, headers })
    } catch (err) {
      console.error(`gateway: ${req.method} ${url.pathname} -> auth failed:`, err)
      return json(502, { code: 502, message: 'Auth is unavailable' }, CORS)
    }
  }

  return (req, info) => {
    const url = new URL(req.url)
    const path = url.pathname
    if (path.startsWith('/functions/v1/')) return functions(req, info, url, path.slice('/functions/v1/'.length))
    if (path.startsWith('/auth/v1/')) return auth(req, url, path.slice('/auth/v1/'.length))
    if (path === '/health') {
      const threads = Object.fromEntries([...(o.threads ?? [])].map(([name, thread]) => [name, thread()]))
      return json(200, { status: 'ok', functions: [...o.handlers.keys()], failed: Object.fromEntries(o.failures), threads })
    }
    if (path.startsWith('/rest/v1')) {
      return json(501, { message: 'PostgREST is not part of the Docker-free local stack; the web app reads through functions' }, CORS)
    }
    return json(404, { code: 'NOT_FOUND', message: `no route for ${path}` })
  }
}
