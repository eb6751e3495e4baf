// Reports the database and extension versions; the local stack's readiness check calls it.
import { db } from '../_shared/db.ts'
import { healthReport } from '../_shared/health.ts'

Deno.serve(async (req) => {
  if (req.method !== 'GET' && req.method !== 'POST') {
    return Response.json({ error: 'method not allowed' }, { status: 405, headers: { allow: 'GET, POST' } })
  }
  try {
    return Response.json(await healthReport(db()))
  } catch (err) {
    console.error('health: database check failed:', err)
    return Response.json({ status: 'error', error: 'database unavailable' }, { status: 503 })
  }
})
