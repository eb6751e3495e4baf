// Builds an organization's export and its signed link, as of the product's clock (clock.ts): the one
// way both the cancellation email and the web app's "Download my data" get a link, so both expire
// `billing.settings.export_link_ttl` after the moment they were made.
import type postgres from 'postgres'
import { productNow } from '../clock.ts'
import { signExportLink } from './link.ts'

export interface ExportLink {
  exportId: string
  url: string
  expiresAt: Date
}

export async function createExportLink(sql: postgres.Sql, organizationId: string, opts: { apiUrl: string; secret: string; asOf?: Date }): Promise<ExportLink> {
  const asOf = opts.asOf ?? (await productNow())
  const [{ id }] = await sql<{ id: string }[]>`select billing.service_role_build_organization_export(${organizationId}::uuid, ${asOf}) as id`
  const [{ expires_at }] = await sql<{ expires_at: Date }[]>`select expires_at from billing.organization_exports where id = ${id}`
  return { exportId: id, url: await signExportLink(opts.apiUrl, id, expires_at, opts.secret), expiresAt: expires_at }
}
