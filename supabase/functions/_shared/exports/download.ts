// The export-download endpoint: a valid, unexpired signed link returns the export as a JSON file.
import type postgres from 'postgres'
import { productNow } from '../clock.ts'
import { HttpError, methodNotAllowed } from '../errors.ts'
import { errorResponse } from '../http.ts'
import { verifyExportLink } from './link.ts'

export async function handleExportDownload(req: Request, sql: postgres.Sql, secret: string): Promise<Response> {
  try {
    if (req.method !== 'GET') throw methodNotAllowed('GET')
    const check = await verifyExportLink(new URL(req.url).searchParams, secret, await productNow())
    if (!check.ok) throw new HttpError(403, 'invalid_link', check.reason)
    const [row] = await sql<{ organization_id: string; data: unknown }[]>`
      update billing.organization_exports set downloads = downloads + 1, last_downloaded_at = now()
      where id = ${check.exportId} returning organization_id, data`
    if (!row) throw new HttpError(404, 'not_found', "this export no longer exists (exports are deleted with the organization's data)")
    await sql`insert into billing.audit_log (action, organization_id, detail)
      values ('export.downloaded', ${row.organization_id}, ${sql.json({ export_id: check.exportId })})`
    return new Response(JSON.stringify(row.data, null, 2), {
      status: 200,
      headers: {
        'content-type': 'application/json',
        'content-disposition': `attachment; filename="organization-export-${check.exportId}.json"`,
        'cache-control': 'no-store',
      },
    })
  } catch (err) {
    return errorResponse(err, 'export-download')
  }
}
