// The GDPR export's signed link, through the gateway without a JWT: valid links download the export;
// expired, altered or malformed ones are refused.
import { afterAll, describe, expect, test } from 'vitest'
import { LOCAL_EXPORT_SECRET } from '../../dev/stack/services.ts'
import { signExportLink, verifyExportLink } from '../../supabase/functions/_shared/exports/link.ts'
import { shareProductClockForFile } from '../helpers/product-clock.ts'
import { adminSql, apiUrl, uniq } from '../helpers/stack.ts'

// export-download reads a link's expiry on the product's clock (the stack emulator's): a file moving it
// days on meanwhile (a browser journey, the clock lock's own test) turned this file's hour-long links
// expired. Shared like every file that needs that clock at wall time: movers wait until it is done.
shareProductClockForFile()

const sql = adminSql()
afterAll(() => sql.end())

async function exportOfNewOrganization(): Promise<{ exportId: string; name: string }> {
  const name = uniq('Org')
  const [{ id }] = await sql`insert into public.organizations (name) values (${name}) returning id`
  const [{ export_id }] = await sql`select billing.service_role_build_organization_export(${id}::uuid) as export_id`
  return { exportId: export_id, name }
}

describe('export links', () => {
  test('a signed, unexpired link downloads the organization export as a JSON file', async () => {
    const { exportId, name } = await exportOfNewOrganization()
    const link = await signExportLink(apiUrl, exportId, new Date(Date.now() + 3_600_000), LOCAL_EXPORT_SECRET)
    const res = await fetch(link)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-disposition')).toContain('attachment')
    expect((await res.json()).organization.name).toBe(name)
    const [{ downloads }] = await sql`select downloads from billing.organization_exports where id = ${exportId}`
    expect(downloads).toBe(1)
  })

  test('an expired link is refused with 403', async () => {
    const { exportId } = await exportOfNewOrganization()
    const res = await fetch(await signExportLink(apiUrl, exportId, new Date(Date.now() - 1000), LOCAL_EXPORT_SECRET))
    expect(res.status).toBe(403)
    expect((await res.json()).error).toEqual({ code: 'invalid_link', message: expect.stringMatching(/expired/) })
  })

  test('a link with an altered expiry or another export id is refused with 403', async () => {
    const { exportId } = await exportOfNewOrganization()
    const other = await exportOfNewOrganization()
    const link = new URL(await signExportLink(apiUrl, exportId, new Date(Date.now() + 3_600_000), LOCAL_EXPORT_SECRET))
    const later = new URL(link)
    later.searchParams.set('expires', String(Number(link.searchParams.get('expires')) + 86_400))
    const swapped = new URL(link)
    swapped.searchParams.set('export', other.exportId)
    for (const url of [later, swapped]) {
      const res = await fetch(url)
      expect(res.status).toBe(403)
      expect((await res.json()).error.message).toMatch(/signature/)
    }
  })

  test('a link signed with another secret is refused', async () => {
    const { exportId } = await exportOfNewOrganization()
    const res = await fetch(await signExportLink(apiUrl, exportId, new Date(Date.now() + 3_600_000), 'someone-elses-secret'))
    expect(res.status).toBe(403)
  })

  test('a validly signed link to an export that no longer exists answers 404', async () => {
    const res = await fetch(await signExportLink(apiUrl, crypto.randomUUID(), new Date(Date.now() + 3_600_000), LOCAL_EXPORT_SECRET))
    expect(res.status).toBe(404)
  })

  test('a malformed link is refused before any lookup', async () => {
    expect(await verifyExportLink(new URLSearchParams('export=x&expires=1&sig=2'), LOCAL_EXPORT_SECRET)).toEqual({ ok: false, reason: 'the link is incomplete or malformed' })
  })
})
