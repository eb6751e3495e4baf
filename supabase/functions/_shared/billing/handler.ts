// The billing function's routes: the web app's only backend. Every request carries the user's JWT;
// reads run as that user under RLS; errors are JSON `{error: {code, message}}` a person can act on.
import { z } from 'zod'
import { HttpError } from '../errors.ts'
import { readBodyLimited } from '../http.ts'
import { exportLink, openPortal, startCheckout, syncNow, type BillingDeps } from './actions.ts'
import { verifyCaller, type JwtKeys } from './caller.ts'
import { BillingError } from './errors.ts'
import { CheckoutBody, CreateOrganizationBody } from './inputs.ts'
import { createOrganization, listOrganizations, overview } from './overview.ts'

// The web app calls from its own origin; the bearer token (not a cookie) is the credential, so any
// origin may ask. Functions answer their own preflight, as on hosted Supabase.
const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-headers': 'authorization, x-client-info, apikey, content-type',
  'access-control-allow-methods': 'GET, POST, OPTIONS',
  'access-control-max-age': '600',
}
const reply = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...CORS } })
const UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}'

async function body<T>(req: Request, schema: z.ZodType<T>): Promise<T> {
  const text = await readBodyLimited(req, 16_384)
  let data: unknown
  try {
    data = text ? JSON.parse(text) : {}
  } catch {
    throw new BillingError(400, 'bad_json', 'The request body is not valid JSON.')
  }
  const parsed = schema.safeParse(data)
  if (!parsed.success) throw new BillingError(422, 'invalid_body', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '))
  return parsed.data
}

export async function handleBilling(req: Request, deps: BillingDeps & { jwt: JwtKeys }): Promise<Response> {
  const url = new URL(req.url)
  const path = url.pathname.replace(/^.*?\/billing/, '') || '/'
  const route = `${req.method} ${path}`
  if (req.method === 'OPTIONS') return new Response(null, { status: 204, headers: CORS })
  try {
    const caller = await verifyCaller(req, deps.jwt)
    let m: RegExpExecArray | null
    if (route === 'GET /organizations') return reply(200, { organizations: await listOrganizations(deps.sql, caller) })
    if (route === 'POST /organizations') {
      const { name } = await body(req, CreateOrganizationBody)
      return reply(201, { organization: await createOrganization(deps.sql, caller, name) })
    }
    if ((m = new RegExp(`^GET /organizations/(${UUID})$`).exec(route))) return reply(200, await overview(deps.sql, caller, m[1]))
    if ((m = new RegExp(`^POST /organizations/(${UUID})/checkout$`).exec(route))) {
      const { price_id } = await body(req, CheckoutBody)
      return reply(200, { url: await startCheckout(deps, caller, m[1], price_id) })
    }
    if ((m = new RegExp(`^POST /organizations/(${UUID})/portal$`).exec(route))) return reply(200, { url: await openPortal(deps, caller, m[1]) })
    if ((m = new RegExp(`^POST /organizations/(${UUID})/sync$`).exec(route))) {
      const { synced } = await syncNow(deps, caller, m[1])
      return reply(200, { synced, overview: await overview(deps.sql, caller, m[1]) })
    }
    if ((m = new RegExp(`^POST /organizations/(${UUID})/export$`).exec(route))) return reply(200, await exportLink(deps, caller, m[1]))
    if (/^(GET|POST) \/organizations\/[^/]+(\/\w+)?$/.test(route)) throw new BillingError(404, 'not_found', 'Organization not found, or you are not a member of it.')
    throw new BillingError(404, 'no_route', `No billing route ${req.method} ${path}.`)
  } catch (err) {
    if (err instanceof HttpError) return reply(err.status, { error: { code: err.status === 413 ? 'body_too_large' : 'bad_request', message: err.message } })
    if (err instanceof BillingError) {
      if (err.status >= 500) console.error(`billing: ${route} failed: ${err.message}`, err.cause)
      return reply(err.status, { error: { code: err.code, message: err.message } })
    }
    const e = err as { type?: string; statusCode?: number; message?: string; code?: string }
    if (e?.type?.startsWith?.('Stripe')) {
      console.error(`billing: ${route}: Stripe said ${e.statusCode} ${e.code ?? ''} ${e.message}`)
      return reply(502, { error: { code: 'stripe_error', message: 'Stripe could not complete the request just now. Try again in a moment.' } })
    }
    const pg = err as { code?: string; message?: string }
    if (pg?.code === '42501') return reply(403, { error: { code: 'forbidden', message: 'You are not allowed to do that.' } })
    if (pg?.code === '23514') return reply(422, { error: { code: 'invalid_body', message: 'That value is not allowed.' } })
    // Postgres' data exceptions (class 22: a value it cannot store or read) are the input's fault; the
    // schemas in inputs.ts should catch them first, so log it as a gap in them.
    if (pg?.code?.startsWith?.('22')) {
      console.error(`billing: ${route}: input Postgres refused (${pg.code}) got past validation: ${pg.message}`)
      return reply(422, { error: { code: 'invalid_body', message: 'A value in the request cannot be stored.' } })
    }
    console.error(`billing: ${route} failed`, err)
    return reply(500, { error: { code: 'internal', message: 'Something went wrong on our side. Try again; if it keeps failing, contact support.' } })
  }
}
