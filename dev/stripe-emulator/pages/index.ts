// Routes for the hosted pages a browser opens: /checkout/:id, /portal/:id, /invoice/:id[/pdf].
import type { Emulator } from '../emulator.ts'
import { checkoutPage } from './checkout.ts'
import { portalPage } from './portal.ts'
import { invoicePage } from './invoice.ts'
import type { PageResult } from './layout.ts'

export function handlePage(emu: Emulator, method: string, path: string, form: Record<string, any>): PageResult | null {
  let m: RegExpExecArray | null
  if ((m = /^\/checkout\/([^/]+)$/.exec(path))) return checkoutPage(emu, method, m[1], form)
  if ((m = /^\/portal\/([^/]+)$/.exec(path))) return portalPage(emu, method, m[1], form)
  if ((m = /^\/invoice\/([^/]+)(\/pdf)?$/.exec(path))) return invoicePage(emu, method, m[1], !!m[2], form)
  return null
}
