// Events: list (type / types[] / created filters, newest first) and retrieve, for 30 days.
import type { Emulator } from '../emulator.ts'
import { EVENT_RETENTION_S } from '../emulator.ts'
import { missing } from '../errors.ts'
import { page } from '../list.ts'
import { route, type Route } from './common.ts'

function retained(emu: Emulator) {
  const oldest = emu.now() - EVENT_RETENTION_S
  return emu.all('event').filter((e) => e.created >= oldest)
}

function typeMatches(type: string, pattern: string): boolean {
  return pattern.endsWith('.*') ? type.startsWith(pattern.slice(0, -1)) : type === pattern
}

export const eventRoutes: Route[] = [
  route('GET', '/v1/events/:id', (emu, _p, [id]) => {
    const event = retained(emu).find((e) => e.id === id)
    if (!event) throw missing('event', id)
    return event
  }),
  route('GET', '/v1/events', (emu, p) => {
    const types: string[] | null = p.types ? (Array.isArray(p.types) ? p.types : [p.types]) : p.type ? [p.type] : null
    const items = retained(emu).filter((e) => !types || types.some((t) => typeMatches(e.type, t)))
    return page(emu, '/v1/events', items, p)
  }),
]
