import { Action } from './_components/action.tsx'
import { Layout, Paragraph, Steps } from './_components/layout.tsx'

export interface PaymentReminderEmailProps {
  organizationName: string
  paymentUrl: string
  updatePaymentUrl: string
  supportEmail?: string | null
}

export default function PaymentReminderEmail(p: PaymentReminderEmailProps) {
  return (
    <Layout
      preview={`Your invoice for ${p.organizationName} is still unpaid`}
      heading='A reminder: your invoice is still unpaid'
      reason={`You receive this email because ${p.organizationName} lists you as its billing contact.`}
    >
      <Paragraph>A few days ago a payment for {p.organizationName} failed, and the invoice is still open.</Paragraph>
      <Paragraph>Most failures have a simple cause: an expired card, a new card number, or a bank that declined an unusual charge. You can:</Paragraph>
      <Steps items={['Pay the invoice with any card.', 'Update the card we charge automatically.', 'Ask your bank to allow the payment, then pay again.']} />
      <Action href={p.paymentUrl} label='Pay the invoice' tone='warn' />
      <Action href={p.updatePaymentUrl} label='Update payment method' />
      {p.supportEmail
        ? <Paragraph>Stuck? Write to {p.supportEmail} and we will help.</Paragraph>
        : <Paragraph>Stuck? Reply to this email and we will help.</Paragraph>}
    </Layout>
  )
}

PaymentReminderEmail.PreviewProps = {
  organizationName: 'Acme Inc.',
  paymentUrl: 'http://127.0.0.1:12111/invoices/in_123/pay',
  updatePaymentUrl: 'http://127.0.0.1:3000/billing/7b2c6f0e-5d1a-4c3b-9e8f-0a1b2c3d4e5f',
  supportEmail: 'support@example.test',
} satisfies PaymentReminderEmailProps
