// The local API gateway on :54321, standing in for Supabase's (Kong + edge runtime) routing:
// /functions/v1/<name>/... goes to the Deno functions host, with the JWT verified first unless
// supabase/config.toml sets `verify_jwt = false` for that function; /auth/v1/... goes to Auth.
// Development only. Errors are JSON, with the shapes Supabase's gateway uses.
import http from 'node:http'
import { existsSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { jwtVerify } from 'jose'
import { parse } from 'smol-toml'

const port = Number(process.env.GATEWAY_PORT ?? 54321)
const functionsPort = Number(process.env.FUNCTIONS_PORT ?? 54326)
const authPort = Number(process.env.AUTH_PORT ?? 54325)
const root = process.env.PROJECT_ROOT ?? process.cwd()
const functionsDir = path.join(root, 'supabase/functions')
const configFile = path.join(root, 'supabase/config.toml')
const secret = new TextEncoder().encode(process.env.JWT_SECRET ?? '')
const apiKeys = new Set([process.env.SUPABASE_ANON_KEY, process.env.SUPABASE_SERVICE_ROLE_KEY].filter(Boolean))

let configCache: { mtime: number; functions: Record<string, { verify_jwt?: boolean }> } | undefined
/** Per-function settings from config.toml, re-read when the file changes. */
function functionConfig(name: string): { verify_jwt?: boolean } {
  const mtime = statSync(configFile).mtimeMs
  if (configCache?.mtime !== mtime) {
    const parsed = parse(readFileSync(configFile, 'utf8')) as { functions?: Record<string, { verify_jwt?: boolean }> }
    configCache = { mtime, functions: parsed.functions ?? {} }
  }
  return configCache.functions[name] ?? {}
}

function functionExists(name: string): boolean {
  return /^[a-z0-9][a-z0-9_-]*$/i.test(name) && !name.startsWith('_') && existsSync(path.join(functionsDir, name, 'index.ts'))
}

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-headers': 'authorization, x-client-info, apikey, content-type, x-supabase-api-version',
  'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
}

function json(res: http.ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...extra })
  res.end(JSON.stringify(body))
}

function proxy(req: http.IncomingMessage, res: http.ServerResponse, targetPort: number, targetPath: string, extra: Record<string, string> = {}) {
  const upstream = http.request(
    { host: '127.0.0.1', port: targetPort, method: req.method, path: targetPath, headers: { ...req.headers, ...extra } },
    (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers)
      up.pipe(res)
    },
  )
  upstream.on('error', (err) => {
    console.error(`gateway: ${req.method} ${req.url} -> :${targetPort} failed: ${err.message}`)
    if (!res.headersSent) json(res, 502, { code: 502, message: 'Upstream service unavailable', detail: err.message })
    else res.destroy()
  })
  req.pipe(upstream)
}

async function verified(header: string | undefined): Promise<string | undefined> {
  const token = /^Bearer (.+)$/i.exec(header ?? '')?.[1]
  if (!token) return 'Missing authorization header'
  try {
    await jwtVerify(token, secret, { algorithms: ['HS256'] })
    return undefined
  } catch {
    return 'Invalid JWT'
  }
}

async function functions(req: http.IncomingMessage, res: http.ServerResponse, rest: string) {
  const name = rest.split(/[/?]/)[0]
  if (!functionExists(name)) {
    return json(res, 404, { code: 'NOT_FOUND', message: `Requested function was not found: ${name}` }, CORS)
  }
  // Preflight requests carry no credentials; the function answers them itself, as on hosted Supabase.
  if (req.method !== 'OPTIONS' && functionConfig(name).verify_jwt !== false) {
    const problem = await verified(req.headers.authorization)
    if (problem) return json(res, 401, { code: 401, message: problem }, CORS)
  }
  proxy(req, res, functionsPort, '/' + rest)
}

function auth(req: http.IncomingMessage, res: http.ServerResponse, rest: string) {
  if (req.method === 'OPTIONS') {
    res.writeHead(204, CORS)
    return res.end()
  }
  const key = (req.headers.apikey as string | undefined) ?? /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1]
  if (!key) return json(res, 401, { message: 'No API key found in request' }, CORS)
  // The apikey must be one of the project's keys (a user JWT may ride in Authorization alongside it).
  if (req.headers.apikey && !apiKeys.has(req.headers.apikey as string)) return json(res, 401, { message: 'Invalid API key' }, CORS)
  res.setHeader('access-control-allow-origin', '*')
  proxy(req, res, authPort, '/' + rest)
}

const server = http.createServer((req, res) => {
  const url = req.url ?? '/'
  const fn = /^\/functions\/v1\/(.*)$/.exec(url)
  const au = /^\/auth\/v1\/(.*)$/.exec(url)
  if (fn) return void functions(req, res, fn[1]).catch((err) => json(res, 500, { code: 500, message: String(err) }))
  if (au) return auth(req, res, au[1])
  if (url === '/health') return json(res, 200, { status: 'ok' })
  if (url.startsWith('/rest/v1')) {
    return json(res, 501, { message: 'PostgREST is not part of the Docker-free local stack; the web app reads through the billing function' }, CORS)
  }
  json(res, 404, { code: 'NOT_FOUND', message: `no route for ${url}` })
})

server.listen(port, '127.0.0.1', () => console.log(`gateway listening on 127.0.0.1:${port}`))
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => server.close(() => process.exit(0)))
