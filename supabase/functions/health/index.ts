// Reports the database and extension versions; the local stack's readiness check calls it. A
// service-role caller (npm run doctor) also learns which required function secrets are unset.
import { isServiceRole } from '../_shared/auth.ts'
import { db, reconnecting } from '../_shared/db.ts'
import { healthReport } from '../_shared/health.ts'
import { missingFunctionSecrets } from '../_shared/required-secrets.ts'

Deno.serve(reconnecting(async (req) => {
  if (req.method !== 'GET' && req.method !== 'POST') {
    return Response.json({ error: 'method not allowed' }, { status: 405, headers: { allow: 'GET, POST' } })
  }
  try {
    const report = await healthReport(db('health'))
    return Response.json(isServiceRole(req) ? { ...report, secrets_missing: missingFunctionSecrets() } : report)
  } catch (err) {
    console.error('health: database check failed:', err)
    return Response.json({ status: 'error', error: 'database unavailable' }, { status: 503 })
  }
}))
