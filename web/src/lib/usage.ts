// How the page words a plan limit and its usage, in one place for the usage card and the over-limit notice.
import type { PlanUsage } from '../api-types.ts'

const NOUNS: Record<string, [string, string]> = {
  seats: ['seat', 'seats'],
  projects: ['project', 'projects'],
}

/** "1 seat", "3 projects"; a limit this page has no words for keeps its own name. */
export function countOf(name: string, n: number): string {
  const [one, many] = NOUNS[name] ?? [name, name]
  return `${n} ${n === 1 ? one : many}`
}

/** "3 of 5 seats", "7 projects (unlimited)", "No projects in this plan". */
export function usageLine(u: PlanUsage): string {
  const many = (NOUNS[u.name] ?? [u.name, u.name])[1]
  if (u.limit === null) return `${countOf(u.name, u.in_use)} (unlimited)`
  if (u.limit === 0 && u.in_use === 0) return `No ${many} in this plan`
  return `${u.in_use} of ${u.limit} ${many}`
}

/** What frees room when usage is over the limit: seats are members and pending invitations. */
export function wayDown(u: PlanUsage): string {
  if (u.name === 'seats') return `remove ${u.over_by} ${u.over_by === 1 ? 'member or pending invitation' : 'members or pending invitations'}`
  return `delete ${countOf(u.name, u.over_by)}`
}
