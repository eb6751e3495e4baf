import { Action } from './_components/action.tsx'
import { Layout, Paragraph } from './_components/layout.tsx'
import { formatDate } from '../format.ts'

export interface SubscriptionConfirmationEmailProps {
  userName?: string | null
  organizationName: string
  plan?: string | null
  billingCycle?: string | null
  trialEndsAt?: string | null
  manageBillingUrl?: string | null
}

export default function SubscriptionConfirmationEmail(p: SubscriptionConfirmationEmailProps) {
  const plan = p.plan ?? 'your plan'
  const cycle = p.billingCycle ? `, billed ${p.billingCycle === 'year' ? 'yearly' : p.billingCycle === 'month' ? 'monthly' : `every ${p.billingCycle}`}` : ''
  return (
    <Layout
      preview={`${p.organizationName} is subscribed to ${plan}`}
      heading={`Welcome aboard${p.userName ? `, ${p.userName}` : ''}!`}
      reason={`You receive this email because you subscribed ${p.organizationName} to a plan.`}
    >
      <Paragraph>
        {p.organizationName} is now subscribed to <strong>{plan}</strong>
        {cycle}.
      </Paragraph>
      {p.trialEndsAt ? <Paragraph>Your free trial runs until {formatDate(p.trialEndsAt)}. We will remind you before it ends.</Paragraph> : null}
      {p.manageBillingUrl ? <Action href={p.manageBillingUrl} label='Manage billing' /> : null}
    </Layout>
  )
}

SubscriptionConfirmationEmail.PreviewProps = {
  userName: 'Ada',
  organizationName: 'Acme Inc.',
  plan: 'Pro',
  billingCycle: 'month',
  trialEndsAt: '2026-12-06T00:00:00Z',
  manageBillingUrl: 'http://127.0.0.1:3000/billing/7b2c6f0e-5d1a-4c3b-9e8f-0a1b2c3d4e5f',
} satisfies SubscriptionConfirmationEmailProps
