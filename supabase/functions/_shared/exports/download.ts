// The export-download endpoint: a valid, unexpired signed link returns the export as a JSON file.
import type postgres from 'postgres'
import { productNow } from '../clock.ts'
import { errorResponse, json } from '../http.ts'
import { verifyExportLink } from './link.ts'

export async function handleExportDownload(req: Request, sql: postgres.Sql, secret: string): Promise<Response> {
  if (req.method !== 'GET') return json(405, { error: 'only GET is accepted' }, { allow: 'GET' })
  try {
    const check = await verifyExportLink(new URL(req.url).searchParams, secret, await productNow())
    if (!check.ok) {
      console.warn(`export-download: refused: ${check.reason}`)
      return json(403, { error: check.reason })
    }
    const [row] = await sql<{ organization_id: string; data: unknown }[]>`
      update billing.organization_exports set downloads = downloads + 1, last_downloaded_at = now()
      where id = ${check.exportId} returning organization_id, data`
    if (!row) return json(404, { error: 'this export no longer exists (exports are deleted with the organization\'s data)' })
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
