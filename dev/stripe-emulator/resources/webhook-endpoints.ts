// Webhook endpoints through the API: the secret is shown once, at creation, as Stripe does.
import type { Emulator } from '../emulator.ts'
import { invalid, missing, required } from '../errors.ts'
import type { Endpoint } from '../webhooks.ts'
import { page } from '../list.ts'
import { mergeMetadata, route, type Route } from './common.ts'

function view(e: Endpoint, withSecret = false) {
  return {
    id: e.id, object: 'webhook_endpoint', api_version: e.api_version ?? null, application: null, created: e.created, description: e.description,
    enabled_events: e.enabled_events, livemode: false, metadata: e.metadata, status: e.status, url: e.url, ...(withSecret ? { secret: e.secret } : {}),
  }
}

function events(value: unknown): string[] {
  const list = Array.isArray(value) ? value.map(String) : typeof value === 'string' ? [value] : []
  if (list.length === 0) throw required('enabled_events')
  return list
}

function url(value: unknown): string {
  if (typeof value !== 'string' || !value) throw required('url')
  try {
    const u = new URL(value)
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error()
  } catch {
    throw invalid('Invalid URL: must be an http(s) URL', 'url', 'url_invalid')
  }
  return value
}

function get(emu: Emulator, id: string): Endpoint {
  const e = emu.webhooks.endpoints.get(id)
  if (!e) throw missing('webhook endpoint', id)
  return e
}

export const webhookEndpointRoutes: Route[] = [
  route('POST', '/v1/webhook_endpoints', (emu, p) => {
    const e: Endpoint = {
      id: emu.newId('we'), url: url(p.url), secret: emu.webhooks.newSecret(), enabled_events: events(p.enabled_events), status: 'enabled',
      description: typeof p.description === 'string' ? p.description : null, metadata: mergeMetadata({}, p.metadata), created: emu.now(), from_env: false,
      api_version: typeof p.api_version === 'string' && p.api_version ? p.api_version : null,
    }
    emu.webhooks.endpoints.set(e.id, e)
    return view(e, true)
  }),
  route('GET', '/v1/webhook_endpoints/:id', (emu, _p, [id]) => view(get(emu, id))),
  route('POST', '/v1/webhook_endpoints/:id', (emu, p, [id]) => {
    const e = get(emu, id)
    if (p.url !== undefined) e.url = url(p.url)
    if (p.enabled_events !== undefined) e.enabled_events = events(p.enabled_events)
    if (p.disabled !== undefined) e.status = p.disabled === 'true' ? 'disabled' : 'enabled'
    if (p.description !== undefined) e.description = p.description || null
    e.metadata = mergeMetadata(e.metadata, p.metadata)
    return view(e)
  }),
  route('DELETE', '/v1/webhook_endpoints/:id', (emu, _p, [id]) => {
    get(emu, id)
    emu.webhooks.endpoints.delete(id)
    return { id, object: 'webhook_endpoint', deleted: true }
  }),
  route('GET', '/v1/webhook_endpoints', (emu, p) => page(emu, '/v1/webhook_endpoints', [...emu.webhooks.endpoints.values()].map((e) => view(e)), p)),
]
