import { Action } from './_components/action.tsx'
import { Layout, Paragraph } from './_components/layout.tsx'
import { formatDate } from '../format.ts'

export interface InvitationEmailProps {
  organizationName: string
  inviterName?: string | null
  role: 'admin' | 'member'
  acceptUrl: string
  expiresAt: string
}

export default function InvitationEmail(p: InvitationEmailProps) {
  const who = p.inviterName ?? 'An admin'
  return (
    <Layout
      preview={`${who} invited you to join ${p.organizationName}`}
      heading={`Join ${p.organizationName}`}
      reason={`You receive this email because ${who} invited this address to ${p.organizationName}. If you did not expect it, ignore it: nothing happens unless you accept.`}
    >
      <Paragraph>
        {who} invited you to join <strong>{p.organizationName}</strong> as {p.role === 'admin' ? 'an admin' : 'a member'}.
      </Paragraph>
      <Paragraph>Sign in, or create an account with this email address, to accept. The link works once and until {formatDate(p.expiresAt)}.</Paragraph>
      <Action href={p.acceptUrl} label='Accept the invitation' />
    </Layout>
  )
}

InvitationEmail.PreviewProps = {
  organizationName: 'Acme Inc.',
  inviterName: 'ada@acme.test',
  role: 'member',
  acceptUrl: 'http://127.0.0.1:3000/invite/9f2c1e0d4b3a29187766554433221100ffeeddccbbaa99887766554433221100',
  expiresAt: '2026-12-06T00:00:00Z',
} satisfies InvitationEmailProps
