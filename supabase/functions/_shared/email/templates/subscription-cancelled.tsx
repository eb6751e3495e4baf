import { Action } from './_components/action.tsx'
import { Layout, Paragraph } from './_components/layout.tsx'
import { formatDate } from '../format.ts'

export interface SubscriptionCancelledEmailProps {
  organizationName: string
  cancelledAt: string
  dataExportUrl: string
  exportExpiresAt: string
  deletionAt: string
}

export default function SubscriptionCancelledEmail(p: SubscriptionCancelledEmailProps) {
  return (
    <Layout preview={`The subscription of ${p.organizationName} has ended`} heading="Your subscription has ended"
      reason={`You receive this email because ${p.organizationName} lists you as its billing contact.`}>
      <Paragraph>The subscription of {p.organizationName} ended on {formatDate(p.cancelledAt)}.</Paragraph>
      <Paragraph>Your data is yours: download a copy of everything we hold about {p.organizationName}. The link works until {formatDate(p.exportExpiresAt)}.</Paragraph>
      <Action href={p.dataExportUrl} label="Download my data" />
      <Paragraph>We will delete your organization's personal data on {formatDate(p.deletionAt)}, unless you subscribe again before then. Invoices are kept as tax law requires.</Paragraph>
    </Layout>
  )
}

SubscriptionCancelledEmail.PreviewProps = {
  organizationName: 'Acme Inc.',
  cancelledAt: '2026-11-22T10:00:00Z',
  dataExportUrl: 'http://127.0.0.1:54321/functions/v1/export-download?export=00000000-0000-0000-0000-000000000000&expires=1795000000&sig=0',
  exportExpiresAt: '2026-11-29T10:00:00Z',
  deletionAt: '2026-12-22T10:00:00Z',
} satisfies SubscriptionCancelledEmailProps
