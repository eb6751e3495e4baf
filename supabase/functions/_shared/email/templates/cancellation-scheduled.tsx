// Sent once when a customer schedules the end of their subscription: it confirms the request, says
// until when everything keeps working, and how to undo it.
import { Action } from './_components/action.tsx'
import { Layout, Paragraph } from './_components/layout.tsx'
import { formatDate } from '../format.ts'

export interface CancellationScheduledEmailProps {
  organizationName: string
  plan?: string | null
  /** When the subscription ends (Stripe's cancel_at). */
  endsAt: string
  /** The organization's billing page, where "Manage billing" resumes it. */
  resumeUrl: string
}

export default function CancellationScheduledEmail(p: CancellationScheduledEmailProps) {
  const ends = formatDate(p.endsAt)
  return (
    <Layout
      preview={`The subscription of ${p.organizationName} ends on ${ends}`}
      heading={`Your subscription ends on ${ends}`}
      reason={`You receive this email because someone cancelled the subscription of ${p.organizationName}, which lists you as its billing contact.`}
    >
      <Paragraph>We have received the cancellation of {p.organizationName}'s subscription{p.plan ? ` to ${p.plan}` : ''}.</Paragraph>
      <Paragraph>
        Everything keeps working until{' '}
        <strong>{ends}</strong>, and nothing more will be charged. After that date the subscription ends and you will receive a link to download your data.
      </Paragraph>
      <Paragraph>
        Changed your mind? Resume the subscription any time before{' '}
        {ends}: open your billing page, choose Manage billing, then Resume subscription. Nothing changes for you.
      </Paragraph>
      <Action href={p.resumeUrl} label='Resume my subscription' />
    </Layout>
  )
}

CancellationScheduledEmail.PreviewProps = {
  organizationName: 'Acme Inc.',
  plan: 'Pro monthly',
  endsAt: '2026-12-22T10:00:00Z',
  resumeUrl: 'http://127.0.0.1:3000/billing/7b2c6f0e-5d1a-4c3b-9e8f-0a1b2c3d4e5f',
} satisfies CancellationScheduledEmailProps
