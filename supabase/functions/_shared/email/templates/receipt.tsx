import { Action } from './_components/action.tsx'
import { Layout, Paragraph } from './_components/layout.tsx'
import { formatDate, formatMoney } from '../format.ts'

export interface ReceiptEmailProps {
  organizationName: string
  invoiceNumber: string
  /** Minor units, as Stripe gives them. */
  amountPaid: number
  currency: string
  paidAt: string
  receiptUrl?: string | null
  /** What a promotion code or coupon took off this invoice (minor units), and its name. */
  discount?: { label: string; amount: number } | null
}

export default function ReceiptEmail(p: ReceiptEmailProps) {
  const amount = formatMoney(p.amountPaid, p.currency)
  return (
    <Layout
      preview={`Receipt ${p.invoiceNumber}: ${amount} paid`}
      heading={`Thanks for your payment of ${amount}`}
      reason={`You receive this email because ${p.organizationName} lists you as its billing contact.`}
    >
      <Paragraph>
        Invoice <strong>{p.invoiceNumber}</strong> for {p.organizationName} was paid on {formatDate(p.paidAt)}.
      </Paragraph>
      {p.discount
        ? (
          <Paragraph>
            Discount ({p.discount.label}): <strong>−{formatMoney(p.discount.amount, p.currency)}</strong>
          </Paragraph>
        )
        : null}
      <Paragraph>
        Amount paid: <strong>{amount}</strong>
      </Paragraph>
      {p.receiptUrl ? <Action href={p.receiptUrl} label='View receipt' /> : null}
    </Layout>
  )
}

ReceiptEmail.PreviewProps = {
  organizationName: 'Acme Inc.',
  invoiceNumber: 'ACME-0042',
  amountPaid: 4900,
  currency: 'usd',
  paidAt: '2026-11-22T10:00:00Z',
  receiptUrl: 'http://127.0.0.1:12111/invoices/in_123',
  discount: { label: 'Launch 20% off', amount: 1225 },
} satisfies ReceiptEmailProps
