// Sent when a subscription has ended: why (a cancellation, or payments that kept failing), what is still
// unpaid, how to come back, the data export link, and when the data will be deleted.
import { Action } from './_components/action.tsx'
import { Layout, Paragraph } from './_components/layout.tsx'
import { formatDate, formatMoney } from '../format.ts'

export interface SubscriptionCancelledEmailProps {
  organizationName: string
  cancelledAt: string
  dataExportUrl: string
  exportExpiresAt: string
  deletionAt: string
  /** Why it ended, as Stripe says (cancellation_details.reason): failed payments read differently. */
  reason?: 'payment_failed' | 'cancellation_requested' | null
  /** What is still owed (minor units of `currency`), and where to pay it. */
  unpaidAmount?: number | null
  currency?: string | null
  unpaidInvoiceUrl?: string | null
  /** The organization's billing page, to subscribe again. */
  resubscribeUrl?: string | null
}

export default function SubscriptionCancelledEmail(p: SubscriptionCancelledEmailProps) {
  const failed = p.reason === 'payment_failed'
  const unpaid = p.unpaidAmount && p.currency ? formatMoney(p.unpaidAmount, p.currency) : null
  return (
    <Layout
      preview={`The subscription of ${p.organizationName} has ended`}
      heading={failed ? 'Your subscription ended because payment failed' : 'Your subscription has ended'}
      reason={`You receive this email because ${p.organizationName} lists you as its billing contact.`}
    >
      {failed
        ? (
          <Paragraph>
            The subscription of {p.organizationName} ended on {formatDate(p.cancelledAt)} because we could not collect its payment, after several attempts.
          </Paragraph>
        )
        : <Paragraph>The subscription of {p.organizationName} ended on {formatDate(p.cancelledAt)}.</Paragraph>}
      {unpaid
        ? (
          <Paragraph>
            <strong>{unpaid}</strong> is still unpaid.
          </Paragraph>
        )
        : null}
      {unpaid && p.unpaidInvoiceUrl ? <Action href={p.unpaidInvoiceUrl} label={`Pay ${unpaid}`} tone='warn' /> : null}
      {p.resubscribeUrl
        ? (
          <>
            <Paragraph>
              {failed
                ? 'To come back, update your card and choose a plan again on your billing page'
                : 'You can come back at any time: choose a plan again on your billing page'}; your data is kept until {formatDate(p.deletionAt)}.
            </Paragraph>
            <Action href={p.resubscribeUrl} label='Subscribe again' />
          </>
        )
        : null}
      <Paragraph>
        Your data is yours: download a copy of everything we hold about {p.organizationName}. The link works until {formatDate(p.exportExpiresAt)}.
      </Paragraph>
      <Action href={p.dataExportUrl} label='Download my data' />
      <Paragraph>
        We will delete your organization's personal data on{' '}
        {formatDate(p.deletionAt)}, unless you subscribe again before then. Invoices are kept as tax law requires.
      </Paragraph>
    </Layout>
  )
}

SubscriptionCancelledEmail.PreviewProps = {
  organizationName: 'Acme Inc.',
  cancelledAt: '2026-11-22T10:00:00Z',
  dataExportUrl: 'http://127.0.0.1:54321/functions/v1/export-download?export=00000000-0000-0000-0000-000000000000&expires=1795000000&sig=0',
  exportExpiresAt: '2026-11-29T10:00:00Z',
  deletionAt: '2026-12-22T10:00:00Z',
  reason: 'cancellation_requested',
  resubscribeUrl: 'http://127.0.0.1:3000/billing/7b2c6f0e-5d1a-4c3b-9e8f-0a1b2c3d4e5f',
} satisfies SubscriptionCancelledEmailProps
