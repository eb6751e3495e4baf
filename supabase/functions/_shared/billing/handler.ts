// The billing function's routes: the web app's only backend. Every request carries the user's JWT;
// reads run as that user under RLS; errors are the one JSON shape `{error: {code, message}}` (../http.ts).
import type { z } from 'zod'
import { HttpError, methodNotAllowed } from '../errors.ts'
import { errorResponse, json, readBodyLimited } from '../http.ts'
import { type BillingDeps, exportLink, openPortal, startCheckout, syncNow } from './actions.ts'
import { type Caller, type JwtKeys, verifyCaller } from './caller.ts'
import { notFound } from './errors.ts'
import { cancelAtPeriodEnd, resume } from './cancel-resume.ts'
import { resumePaused } from './resume-paused.ts'
import { AcceptBody, CancelBody, CheckoutBody, CreateOrganizationBody, InviteBody, PlanChangeBody, PlanPreviewBody, RoleBody } from './inputs.ts'
import { accept, changeRole, invite, leave, membersView, removeMember, resend, revoke } from './members.ts'
import { changePlan, previewPlanChange } from './plan-change.ts'
import { undoScheduledChange } from './plan-schedule.ts'
import { createOrganization, listOrganizations, overview } from './overview.ts'

// The web app calls from its own origin; the bearer token (not a cookie) is the credential, so any
// origin may ask. Functions answer their own preflight, as on hosted Supabase.
const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-headers': 'authorization, x-client-info, apikey, content-type',
  'access-control-allow-methods': 'GET, POST, OPTIONS',
  'access-control-max-age': '600',
}

async function body<T>(req: Request, schema: z.ZodType<T>): Promise<T> {
  const text = await readBodyLimited(req, 16_384)
  let data: unknown
  try {
    data = text ? JSON.parse(text) : {}
  } catch (err) {
    throw new HttpError(400, 'bad_json', 'The request body is not valid JSON.', { cause: err })
  }
  const parsed = schema.safeParse(data)
  if (!parsed.success) throw new HttpError(422, 'invalid_body', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '))
  return parsed.data
}

type Deps = BillingDeps & { jwt: JwtKeys }
interface Ctx {
  req: Request
  deps: Deps
  caller: Caller
  /** The organization id in the path, when the route has one. */
  org: string
  /** The second id in the path (`:invitation` or `:user`), when the route has one. */
  id: string
}

/** Every route: method, path (`:org` is an organization's uuid), and what it answers (status, body). */
const ROUTES: [method: string, path: string, run: (c: Ctx) => Promise<[number, unknown]>][] = [
  ['GET', '/organizations', async ({ deps, caller }) => [200, { organizations: await listOrganizations(deps.sql, caller) }]],
  ['POST', '/organizations', async ({ req, deps, caller }) => {
    const { name } = await body(req, CreateOrganizationBody)
    return [201, { organization: await createOrganization(deps.sql, caller, name) }]
  }],
  ['GET', '/organizations/:org', async ({ deps, caller, org }) => [200, await overview(deps.sql, caller, org)]],
  ['POST', '/organizations/:org/checkout', async ({ req, deps, caller, org }) => {
    const { price_id } = await body(req, CheckoutBody)
    return [200, { url: await startCheckout(deps, caller, org, price_id) }]
  }],
  ['POST', '/organizations/:org/portal', async ({ deps, caller, org }) => [200, { url: await openPortal(deps, caller, org) }]],
  ['POST', '/organizations/:org/sync', async ({ deps, caller, org }) => {
    const { synced } = await syncNow(deps, caller, org)
    return [200, { synced, overview: await overview(deps.sql, caller, org) }]
  }],
  ['POST', '/organizations/:org/cancel', async ({ req, deps, caller, org }) => {
    await cancelAtPeriodEnd(deps, caller, org, await body(req, CancelBody))
    return [200, { overview: await overview(deps.sql, caller, org) }]
  }],
  ['POST', '/organizations/:org/resume', async ({ deps, caller, org }) => {
    // A paused subscription (a trial that ended without a card) resumes in Stripe; else the cancellation is withdrawn.
    if (!(await resumePaused(deps, caller, org))) await resume(deps, caller, org)
    return [200, { overview: await overview(deps.sql, caller, org) }]
  }],
  ['POST', '/organizations/:org/plan-change/preview', async ({ req, deps, caller, org }) => {
    const { price_id } = await body(req, PlanPreviewBody)
    return [200, await previewPlanChange(deps, caller, org, price_id)]
  }],
  ['POST', '/organizations/:org/plan-change', async ({ req, deps, caller, org }) => {
    const { price_id, proration_date } = await body(req, PlanChangeBody)
    await changePlan(deps, caller, org, price_id, proration_date)
    return [200, { overview: await overview(deps.sql, caller, org) }]
  }],
  ['POST', '/organizations/:org/plan-change/undo', async ({ deps, caller, org }) => {
    await undoScheduledChange(deps, caller, org)
    return [200, { overview: await overview(deps.sql, caller, org) }]
  }],
  ['POST', '/organizations/:org/export', async ({ deps, caller, org }) => [200, await exportLink(deps, caller, org)]],
  ['GET', '/organizations/:org/members', async ({ deps, caller, org }) => [200, await membersView(deps.sql, caller, org)]],
  ['POST', '/organizations/:org/invitations', async ({ req, deps, caller, org }) => {
    const { email, role } = await body(req, InviteBody)
    return [201, { invitation: await invite(deps.sql, caller, org, email, role) }]
  }],
  [
    'POST',
    '/organizations/:org/invitations/:invitation/resend',
    async ({ deps, caller, org, id }) => [200, { invitation: await resend(deps.sql, caller, org, id) }],
  ],
  [
    'POST',
    '/organizations/:org/invitations/:invitation/revoke',
    async ({ deps, caller, org, id }) => (await revoke(deps.sql, caller, org, id), [200, { revoked: true }]),
  ],
  ['POST', '/organizations/:org/members/:user/role', async ({ req, deps, caller, org, id }) => {
    const { role } = await body(req, RoleBody)
    await changeRole(deps.sql, caller, org, id, role)
    return [200, await membersView(deps.sql, caller, org)]
  }],
  [
    'POST',
    '/organizations/:org/members/:user/remove',
    async ({ deps, caller, org, id }) => (await removeMember(deps.sql, caller, org, id), [200, await membersView(deps.sql, caller, org)]),
  ],
  ['POST', '/organizations/:org/leave', async ({ deps, caller, org }) => (await leave(deps.sql, caller, org), [200, { left: true }])],
  ['POST', '/invitations/accept', async ({ req, deps, caller }) => {
    const { token } = await body(req, AcceptBody)
    return [200, await accept(deps.sql, caller, token)]
  }],
]

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** The route a path names: its handler per method and its ids (`:org`, then one more); an id that is not a uuid names nothing. */
function match(path: string): { methods: Map<string, (c: Ctx) => Promise<[number, unknown]>>; org: string; id: string } | null {
  const parts = path.split('/')
  let found = { org: '', id: '' }
  const methods = new Map<string, (c: Ctx) => Promise<[number, unknown]>>()
  for (const [method, pattern, run] of ROUTES) {
    const want = pattern.split('/')
    if (want.length !== parts.length) continue
    const ids: Record<string, string> = {}
    if (!want.every((w, i) => (w.startsWith(':') ? (ids[w] = parts[i]) !== '' : w === parts[i]))) continue
    if (ids[':org'] !== undefined && !UUID.test(ids[':org'])) throw notFound()
    const [, second] = Object.entries(ids).find(([k]) => k !== ':org') ?? []
    if (second !== undefined && !UUID.test(second)) {
      throw new HttpError(
        404,
        'not_found',
        `No such ${want.find((w) => w.startsWith(':') && w !== ':org')!.slice(1)}.`,
      )
    }
    found = { org: ids[':org'] ?? '', id: second ?? '' }
    methods.set(method, run)
  }
  return methods.size ? { methods, ...found } : null
}

export async function handleBilling(req: Request, deps: Deps): Promise<Response> {
  if (req.method === 'OPTIONS') return new Response(null, { status: 204, headers: CORS })
  const path = new URL(req.url).pathname.replace(/^.*?\/billing/, '') || '/'
  try {
    const caller = await verifyCaller(req, deps.jwt)
    const route = match(path)
    if (!route) throw new HttpError(404, 'no_route', `No billing route ${req.method} ${path}.`)
    const run = route.methods.get(req.method)
    if (!run) throw methodNotAllowed([...route.methods.keys()].join(', '))
    const [status, answer] = await run({ req, deps, caller, org: route.org, id: route.id })
    return json(status, answer, CORS)
  } catch (err) {
    return errorResponse(err, `billing: ${req.method} ${path}`, CORS)
  }
}
