import { Action } from './_components/action.tsx'
import { Layout, Paragraph } from './_components/layout.tsx'
import { formatDate, formatMoney } from '../format.ts'

export interface PaymentFailedEmailProps {
  organizationName: string
  /** Minor units, as Stripe gives them. */
  amountDue: number
  currency: string
  dueDate?: string | null
  paymentUrl: string
  /** The subscription saves the card that pays (save_default_payment_method = on_subscription): only then is that promised. */
  newCardBecomesDefault?: boolean
}

export default function PaymentFailedEmail(p: PaymentFailedEmailProps) {
  const amount = formatMoney(p.amountDue, p.currency)
  return (
    <Layout
      preview={`We could not collect ${amount} for ${p.organizationName}`}
      heading="Your payment didn't go through"
      reason={`You receive this email because ${p.organizationName} lists you as its billing contact.`}
    >
      <Paragraph>
        We tried to charge <strong>{amount}</strong> for {p.organizationName}, but the payment failed.
      </Paragraph>
      {p.dueDate ? <Paragraph>Please pay by {formatDate(p.dueDate)} to keep your subscription active.</Paragraph> : null}
      <Action href={p.paymentUrl} label={`Pay ${amount} now`} tone='warn' />
      {p.newCardBecomesDefault ? <Paragraph>If your card expired or changed, paying with a new card also updates it for future invoices.</Paragraph> : null}
    </Layout>
  )
}

PaymentFailedEmail.PreviewProps = {
  organizationName: 'Acme Inc.',
  amountDue: 4900,
  currency: 'usd',
  dueDate: '2026-11-29T00:00:00Z',
  paymentUrl: 'http://127.0.0.1:12111/invoices/in_123/pay',
  newCardBecomesDefault: true,
} satisfies PaymentFailedEmailProps
