// Who is calling: the service-role key (cron jobs, the webhook's kick, admins' tools) or a user.
import { required } from './config.ts'

function constantTimeEqual(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a)
  const y = new TextEncoder().encode(b)
  let diff = x.length ^ y.length
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0)
  return diff === 0
}

/** True only for `Authorization: Bearer <SUPABASE_SERVICE_ROLE_KEY>`, compared in constant time. */
export function isServiceRole(req: Request): boolean {
  const token = /^Bearer (.+)$/i.exec(req.headers.get('authorization') ?? '')?.[1]
  return !!token && constantTimeEqual(token, required('SUPABASE_SERVICE_ROLE_KEY'))
}
