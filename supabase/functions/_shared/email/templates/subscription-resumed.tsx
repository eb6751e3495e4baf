// Sent once when a customer withdraws a scheduled cancellation: the subscription goes on, and the
// next renewal is charged as before.
import { Action } from './_components/action.tsx'
import { Layout, Paragraph } from './_components/layout.tsx'
import { formatDate } from '../format.ts'

export interface SubscriptionResumedEmailProps {
  organizationName: string
  plan?: string | null
  /** The next renewal (the period end the subscription would have ended at), when known. */
  renewsAt?: string | null
  /** The organization's billing page. */
  manageBillingUrl: string
}

export default function SubscriptionResumedEmail(p: SubscriptionResumedEmailProps) {
  const renews = p.renewsAt ? formatDate(p.renewsAt) : null
  return (
    <Layout
      preview={`The subscription of ${p.organizationName} continues`}
      heading='Your subscription continues'
      reason={`You receive this email because someone resumed the subscription of ${p.organizationName}, which lists you as its billing contact.`}
    >
      <Paragraph>
        The cancellation of {p.organizationName}'s subscription{p.plan ? ` to ${p.plan}` : ''} has been withdrawn: the subscription continues.
      </Paragraph>
      <Paragraph>
        {renews
          ? (
            <>
              It renews on <strong>{renews}</strong> and is charged as before.
            </>
          )
          : 'It renews and is charged as before.'}
      </Paragraph>
      <Action href={p.manageBillingUrl} label='Open billing' />
    </Layout>
  )
}

SubscriptionResumedEmail.PreviewProps = {
  organizationName: 'Acme Inc.',
  plan: 'Pro monthly',
  renewsAt: '2026-12-22T10:00:00Z',
  manageBillingUrl: 'http://127.0.0.1:3000/billing/7b2c6f0e-5d1a-4c3b-9e8f-0a1b2c3d4e5f',
} satisfies SubscriptionResumedEmailProps
