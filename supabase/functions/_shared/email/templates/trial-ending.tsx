import { Action } from './_components/action.tsx'
import { Layout, Paragraph } from './_components/layout.tsx'
import { formatDate } from '../format.ts'

export interface TrialEndingEmailProps {
  organizationName?: string | null
  trialEndsAt: string
  plan?: string | null
  manageBillingUrl: string
}

export default function TrialEndingEmail(p: TrialEndingEmailProps) {
  const org = p.organizationName ?? 'your organization'
  return (
    <Layout
      preview={`The trial of ${org} ends on ${formatDate(p.trialEndsAt)}`}
      heading='Your trial ends soon'
      reason={`You receive this email because ${org} is on a free trial and lists you as its billing contact.`}
    >
      <Paragraph>
        The free trial of {org}
        {p.plan ? ` on ${p.plan}` : ''} ends on <strong>{formatDate(p.trialEndsAt)}</strong>.
      </Paragraph>
      <Paragraph>
        To keep going without interruption, make sure a payment method is on file. Nothing else is needed: your plan starts when the trial ends.
      </Paragraph>
      <Action href={p.manageBillingUrl} label='Review billing' />
    </Layout>
  )
}

TrialEndingEmail.PreviewProps = {
  organizationName: 'Acme Inc.',
  trialEndsAt: '2026-12-06T00:00:00Z',
  plan: 'Pro',
  manageBillingUrl: 'http://127.0.0.1:3000/billing/7b2c6f0e-5d1a-4c3b-9e8f-0a1b2c3d4e5f',
} satisfies TrialEndingEmailProps
