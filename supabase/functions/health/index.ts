// Reports the database and extension versions; the local stack's readiness check calls it. A
// service-role caller (npm run doctor) also learns which required function secrets are unset.
import { isServiceRole } from '../_shared/auth.ts'
import { config } from '../_shared/config.ts'
import { db, reconnecting } from '../_shared/db.ts'
import { HttpError, methodNotAllowed } from '../_shared/errors.ts'
import { healthReport } from '../_shared/health.ts'
import { errorResponse } from '../_shared/http.ts'
import { missingFunctionSecrets } from '../_shared/required-secrets.ts'

config()
Deno.serve(reconnecting(async (req) => {
  if (req.method !== 'GET' && req.method !== 'POST') return errorResponse(methodNotAllowed('GET, POST'), 'health')
  let report
  try {
    report = await healthReport(db('health'))
  } catch (err) {
    return errorResponse(new HttpError(503, 'database_unavailable', 'database unavailable', { cause: err }), 'health')
  }
  return Response.json(isServiceRole(req) ? { ...report, secrets_missing: missingFunctionSecrets() } : report)
}))
