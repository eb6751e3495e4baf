// DEVELOPMENT-ONLY stand-in for Supabase Auth (GoTrue), which could not be built here (see README).
// It serves the GoTrue routes supabase-js uses (signup, password and refresh-token grants, user,
// logout, admin users, recover, verify, email change) with GoTrue's JSON shapes and error codes;
// signups are confirmed at once; recovery and email-change links are mailed over SMTP (email-flows.ts).
// Mounted by the gateway at /auth/v1. Never run it in production: use Supabase Auth.
import http from 'node:http'
import { randomUUID } from 'node:crypto'
import bcrypt from 'bcryptjs'
import { jwtVerify, type JWTPayload } from 'jose'
import postgres from 'postgres'
import { flowRoutes, requestEmailChange, type FlowDeps } from './email-flows.ts'
import { AuthError, checkEmail, type Answer, type Handler } from './http.ts'
import { Mailer } from './mailer.ts'
import { Otps } from './otp.ts'
import { Sessions, userJson, type UserRow } from './sessions.ts'

const port = Number(process.env.AUTH_PORT ?? 54325)
const secret = new TextEncoder().encode(process.env.JWT_SECRET ?? '')
const minPassword = Number(process.env.AUTH_MINIMUM_PASSWORD_LENGTH ?? 6)
const sql = postgres(process.env.AUTH_DB_URL ?? '', { max: 4, onnotice: () => {} })
const sessions = new Sessions(sql, secret, process.env.AUTH_ISSUER ?? 'http://127.0.0.1:54321/auth/v1', Number(process.env.AUTH_JWT_EXP ?? 3600))

const issuer = process.env.AUTH_ISSUER ?? 'http://127.0.0.1:54321/auth/v1'
const mailer = new Mailer({
  smtpHost: process.env.AUTH_SMTP_HOST ?? '127.0.0.1',
  smtpPort: Number(process.env.AUTH_SMTP_PORT ?? 1025),
  from: process.env.AUTH_SMTP_ADMIN_EMAIL ?? 'auth@localhost',
  externalUrl: process.env.AUTH_EXTERNAL_URL ?? issuer,
})
// GoTrue's MAILER_OTP_EXP: how long an emailed link works (default one day, as GoTrue's).
const otps = new Otps(sql, Number(process.env.AUTH_MAILER_OTP_EXP ?? 86400))

async function loadUser(id: string): Promise<UserRow | undefined> {
  const [u] = await sql<UserRow[]>`select * from auth.users where id = ${id} and deleted_at is null`
  return u
}

async function findByEmail(email: string): Promise<UserRow | undefined> {
  const [u] = await sql<UserRow[]>`select * from auth.users where email = ${email.toLowerCase()} and deleted_at is null`
  return u
}

function checkCredentials(email: unknown, password: unknown): asserts email is string {
  checkEmail(email)
  if (typeof password !== 'string' || password.length < minPassword) {
    throw new AuthError(422, 'weak_password', `Password should be at least ${minPassword} characters.`)
  }
}

async function createUser(body: Record<string, any>, confirmed: boolean): Promise<UserRow> {
  checkCredentials(body.email, body.password)
  if (await findByEmail(body.email)) throw new AuthError(422, 'user_already_exists', 'User already registered')
  const hash = await bcrypt.hash(body.password, 10)
  const [u] = await sql<UserRow[]>`
    insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
      raw_app_meta_data, raw_user_meta_data, created_at, updated_at, is_sso_user, is_anonymous)
    values ('00000000-0000-0000-0000-000000000000', ${randomUUID()}, 'authenticated', 'authenticated',
      ${body.email.toLowerCase()}, ${hash}, ${confirmed ? new Date() : null},
      ${sql.json({ provider: 'email', providers: ['email'], ...(body.app_metadata ?? {}) })},
      ${sql.json(body.data ?? body.user_metadata ?? {})}, now(), now(), false, false)
    returning *`
  return u
}

async function bearer(req: http.IncomingMessage): Promise<JWTPayload> {
  const token = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1]
  if (!token) throw new AuthError(401, 'no_authorization', 'This endpoint requires a Bearer token')
  try {
    return (await jwtVerify(token, secret)).payload
  } catch {
    throw new AuthError(403, 'bad_jwt', 'invalid JWT: unable to parse or verify signature')
  }
}

async function admin(req: http.IncomingMessage): Promise<void> {
  const claims = await bearer(req)
  if (claims.role !== 'service_role') throw new AuthError(403, 'not_admin', 'User not allowed')
}

async function updateUser(u: UserRow, body: Record<string, any>): Promise<UserRow> {
  if (body.email !== undefined) checkEmail(body.email)
  if (body.password !== undefined && (typeof body.password !== 'string' || body.password.length < minPassword)) {
    throw new AuthError(422, 'weak_password', `Password should be at least ${minPassword} characters.`)
  }
  const hash = body.password ? await bcrypt.hash(body.password, 10) : u.encrypted_password
  const meta = { ...(u.raw_user_meta_data ?? {}), ...(body.data ?? body.user_metadata ?? {}) }
  const app = { ...(u.raw_app_meta_data ?? {}), ...(body.app_metadata ?? {}) }
  const [row] = await sql<UserRow[]>`
    update auth.users set email = ${(body.email ?? u.email).toLowerCase()}, encrypted_password = ${hash},
      raw_user_meta_data = ${sql.json(meta)}, raw_app_meta_data = ${sql.json(app)}, updated_at = now()
    where id = ${u.id} returning *`
  return row
}

const flows: FlowDeps = { sql, sessions, otps, mailer, siteUrl: process.env.AUTH_SITE_URL ?? 'http://127.0.0.1:3000', findByEmail }

/** PUT /user as the user: a password change applies at once, an email change waits for its link. */
async function updateSelf(u: UserRow, body: Record<string, any>, url: URL): Promise<UserRow> {
  if (typeof body.password === 'string' && u.encrypted_password && (await bcrypt.compare(body.password, u.encrypted_password))) {
    throw new AuthError(422, 'same_password', 'New password should be different from the old password.')
  }
  const { email, ...rest } = body
  const updated = await updateUser(u, rest)
  return email === undefined ? updated : requestEmailChange(flows, updated, email, url)
}

const routes: Record<string, Handler> = {
  ...flowRoutes(flows),
  'GET /health': async () => [200, { version: 'dev-standin', name: 'GoTrue', description: 'DEVELOPMENT-ONLY stand-in' }],
  'GET /settings': async () => [200, { external: { email: true }, disable_signup: false, mailer_autoconfirm: true }],
  'POST /signup': async (_req, body) => {
    const u = await createUser(body, true)
    return [200, await sessions.create(u)]
  },
  'POST /token': async (_req, body, url) => {
    const grant = url.searchParams.get('grant_type')
    if (grant === 'password') {
      const u = typeof body.email === 'string' ? await findByEmail(body.email) : undefined
      const ok = u?.encrypted_password && typeof body.password === 'string' && (await bcrypt.compare(body.password, u.encrypted_password))
      if (!u || !ok) throw new AuthError(400, 'invalid_credentials', 'Invalid login credentials')
      return [200, await sessions.create(u)]
    }
    if (grant === 'refresh_token') {
      const s = typeof body.refresh_token === 'string' ? await sessions.refresh(body.refresh_token, loadUser) : undefined
      if (!s) throw new AuthError(400, 'refresh_token_not_found', 'Invalid Refresh Token: Refresh Token Not Found')
      return [200, s]
    }
    throw new AuthError(400, 'unsupported_grant_type', `unsupported grant_type ${grant}`)
  },
  'GET /user': async (req) => {
    const u = await loadUser(String((await bearer(req)).sub))
    if (!u) throw new AuthError(403, 'user_not_found', 'User from sub claim in JWT does not exist')
    return [200, userJson(u)]
  },
  'PUT /user': async (req, body, url) => {
    const u = await loadUser(String((await bearer(req)).sub))
    if (!u) throw new AuthError(403, 'user_not_found', 'User from sub claim in JWT does not exist')
    return [200, userJson(await updateSelf(u, body, url))]
  },
  'POST /logout': async (req) => {
    const claims = await bearer(req)
    await sessions.revoke(String(claims.session_id))
    return [204, null]
  },
  'GET /admin/users': async (req) => {
    await admin(req)
    const users = await sql<UserRow[]>`select * from auth.users where deleted_at is null order by created_at`
    return [200, { users: users.map(userJson), aud: 'authenticated' }]
  },
  'POST /admin/users': async (req, body) => {
    await admin(req)
    return [200, userJson(await createUser(body, body.email_confirm !== false))]
  },
}

async function adminUser(req: http.IncomingMessage, id: string, body: Record<string, any>): Promise<Answer> {
  await admin(req)
  const u = /^[0-9a-f-]{36}$/i.test(id) ? await loadUser(id) : undefined
  if (!u) throw new AuthError(404, 'user_not_found', 'User not found')
  if (req.method === 'GET') return [200, userJson(u)]
  if (req.method === 'PUT') return [200, userJson(await updateUser(u, body))]
  if (req.method === 'DELETE') {
    await sql`delete from auth.users where id = ${id}`
    return [200, userJson(u)]
  }
  throw new AuthError(405, 'method_not_allowed', 'Method not allowed')
}

async function readBody(req: http.IncomingMessage): Promise<Record<string, any>> {
  const chunks: Buffer[] = []
  for await (const c of req) chunks.push(c as Buffer)
  if (chunks.length === 0) return {}
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    throw new AuthError(400, 'bad_json', 'Could not parse request body as JSON')
  }
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://auth')
  let status: number
  let payload: unknown
  let headers: Record<string, string> | undefined
  try {
    const body = await readBody(req)
    const handler = routes[`${req.method} ${url.pathname}`]
    const adminMatch = /^\/admin\/users\/([^/]+)$/.exec(url.pathname)
    if (handler) [status, payload, headers] = await handler(req, body, url)
    else if (adminMatch) [status, payload] = await adminUser(req, adminMatch[1], body)
    else throw new AuthError(404, 'not_found', `no route ${req.method} ${url.pathname}`)
  } catch (err) {
    if (!(err instanceof AuthError)) console.error(`auth: ${req.method} ${url.pathname} failed:`, err)
    const e = err instanceof AuthError ? err : new AuthError(500, 'unexpected_failure', 'Unexpected failure')
    ;[status, payload] = [e.status, { code: e.status, error_code: e.code, msg: e.message }]
  }
  const empty = payload === null
  res.writeHead(status, { ...(empty ? {} : { 'content-type': 'application/json' }), ...headers })
  res.end(empty ? undefined : JSON.stringify(payload))
})

server.listen(port, '127.0.0.1', () => console.log(`auth (dev stand-in) listening on 127.0.0.1:${port}`))
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.on(sig, () => {
    server.close()
    void sql.end({ timeout: 1 }).then(() => process.exit(0))
  })
}
