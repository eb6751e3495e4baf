// After a cancellation the organization's data is kept for a while; admins can take a copy first.
import { useEffect, useRef } from 'react'
import type { ExportLink } from '../api-types.ts'
import { formatDateTime, type FormatOptions } from '../lib/format.ts'
import { BusyButton } from './busy-button.tsx'

export interface ExportPanelProps extends FormatOptions {
  link: ExportLink | null
  busy: boolean
  onExport: () => void
}

export function ExportPanel({ link, busy, onExport, ...format }: ExportPanelProps) {
  const linkRef = useRef<HTMLAnchorElement>(null)
  useEffect(() => {
    if (link) linkRef.current?.focus()
  }, [link])

  return (
    <section className="card" aria-labelledby="export-heading">
      <h2 id="export-heading">Your data</h2>
      <p>
        Your subscription has ended. Download a copy of this organization's data (members, subscriptions, invoices and
        the emails we sent) before it is deleted.
      </p>
      <div className="card-actions">
        <BusyButton variant="secondary" onClick={onExport} busy={busy}>
          Download my data
        </BusyButton>
        {link ? (
          <p className="export-ready">
            <a ref={linkRef} href={link.url} download data-testid="export-link">
              Your export is ready — download
            </a>
            <span className="muted small"> The link expires {formatDateTime(link.expires_at, format)}.</span>
          </p>
        ) : null}
      </div>
    </section>
  )
}
