import { Action } from './_components/action.tsx'
import { Layout, Paragraph } from './_components/layout.tsx'
import { formatDate } from '../format.ts'

export interface TrialEndingEmailProps {
  organizationName?: string | null
  trialEndsAt: string
  plan?: string | null
  manageBillingUrl: string
  /** What Stripe does if the trial ends with no payment method (trial_settings.end_behavior). */
  endBehavior?: 'pause' | 'cancel' | 'create_invoice' | null
  /** Whether a payment method is on file now (absent: not known). */
  cardOnFile?: boolean
}

/** What happens when the trial ends, as the customer needs to hear it. */
function atTrialEnd(p: TrialEndingEmailProps): string {
  if (p.cardOnFile === false && p.endBehavior === 'pause') {
    return 'No payment method is on file yet. If none is added by then, your subscription will be paused when the trial ends and access stops until you add one.'
  }
  if (p.cardOnFile === false && p.endBehavior === 'cancel') {
    return 'No payment method is on file yet. If none is added by then, your subscription will be cancelled when the trial ends.'
  }
  if (p.cardOnFile === true) return 'Your plan starts when the trial ends, and the payment method on file is charged then. Nothing else is needed.'
  return 'To keep going without interruption, make sure a payment method is on file. Nothing else is needed: your plan starts when the trial ends.'
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
      <Paragraph>{atTrialEnd(p)}</Paragraph>
      <Action href={p.manageBillingUrl} label={p.cardOnFile === false ? 'Add a payment method' : 'Review billing'} />
    </Layout>
  )
}

TrialEndingEmail.PreviewProps = {
  organizationName: 'Acme Inc.',
  trialEndsAt: '2026-12-06T00:00:00Z',
  plan: 'Pro',
  manageBillingUrl: 'http://127.0.0.1:3000/billing/7b2c6f0e-5d1a-4c3b-9e8f-0a1b2c3d4e5f',
  endBehavior: 'pause',
  cardOnFile: false,
} satisfies TrialEndingEmailProps
