import { Action } from './_components/action.tsx'
import { Layout, Paragraph } from './_components/layout.tsx'

export interface PaymentReminderEmailProps {
  organizationName: string
  paymentUrl: string
  updatePaymentUrl: string
  supportEmail?: string | null
}

export default function PaymentReminderEmail(p: PaymentReminderEmailProps) {
  return (
    <Layout preview={`Your invoice for ${p.organizationName} is still unpaid`} heading="A reminder: your invoice is still unpaid"
      reason={`You receive this email because ${p.organizationName} lists you as its billing contact.`}>
      <Paragraph>A few days ago a payment for {p.organizationName} failed, and the invoice is still open.</Paragraph>
      <Paragraph>Most failures have a simple cause: an expired card, a new card number, or a bank that declined an unusual charge. You can:</Paragraph>
      <Paragraph>1. Pay the invoice with any card. 2. Update the card we charge automatically. 3. Ask your bank to allow the payment, then pay again.</Paragraph>
      <Action href={p.paymentUrl} label="Pay the invoice" tone="warn" />
      <Action href={p.updatePaymentUrl} label="Update payment method" />
      {p.supportEmail ? <Paragraph>Stuck? Write to {p.supportEmail} and we will help.</Paragraph> : <Paragraph>Stuck? Reply to this email and we will help.</Paragraph>}
    </Layout>
  )
}

PaymentReminderEmail.PreviewProps = {
  organizationName: 'Acme Inc.',
  paymentUrl: 'http://127.0.0.1:12111/invoices/in_123/pay',
  updatePaymentUrl: 'http://127.0.0.1:3000/billing',
  supportEmail: 'support@example.test',
} satisfies PaymentReminderEmailProps
