import { Action } from './_components/action.tsx'
import { Layout, Paragraph } from './_components/layout.tsx'
import { formatDate, formatMoney } from '../format.ts'

export interface RefundIssuedEmailProps {
  organizationName: string
  invoiceNumber: string
  /** This refund, in minor units as Stripe gives them. */
  amountRefunded: number
  /** What the invoice collected: a refund of all of it is a full refund. */
  amountPaid: number
  currency: string
  refundedAt: string
  invoiceUrl?: string | null
}

export default function RefundIssuedEmail(p: RefundIssuedEmailProps) {
  const amount = formatMoney(p.amountRefunded, p.currency)
  const full = p.amountRefunded >= p.amountPaid
  return (
    <Layout
      preview={`Refund of ${amount} on invoice ${p.invoiceNumber}`}
      heading={`We refunded ${amount}`}
      reason={`You receive this email because ${p.organizationName} lists you as its billing contact.`}
    >
      <Paragraph>
        On {formatDate(p.refundedAt)} we refunded {full ? 'the full amount' : 'part'} of invoice <strong>{p.invoiceNumber}</strong> for {p.organizationName}
        {full ? '.' : ` (${formatMoney(p.amountPaid, p.currency)} paid).`}
      </Paragraph>
      <Paragraph>
        Amount refunded: <strong>{amount}</strong>. It goes back to the card that paid; banks usually show it within 5 to 10 days.
      </Paragraph>
      {p.invoiceUrl ? <Action href={p.invoiceUrl} label='View invoice' /> : null}
    </Layout>
  )
}

RefundIssuedEmail.PreviewProps = {
  organizationName: 'Acme Inc.',
  invoiceNumber: 'ACME-0042',
  amountRefunded: 1000,
  amountPaid: 4900,
  currency: 'usd',
  refundedAt: '2026-11-24T10:00:00Z',
  invoiceUrl: 'http://127.0.0.1:12111/invoices/in_123',
} satisfies RefundIssuedEmailProps
