// The frame every billing email shares: brand header, one clear heading, the content, and a footer
// saying why the reader gets this email.
import { Body, Container, Head, Heading, Hr, Html, Preview, Section, Text } from '@react-email/components'
import type { ReactNode } from 'react'

export const colors = { ink: '#1f2933', muted: '#52606d', accent: '#4f46e5', line: '#e4e7eb', warn: '#b42318' }

export interface LayoutProps {
  preview: string
  heading: string
  children: ReactNode
  /** Why this person receives the email. */
  reason: string
}

export function Layout({ preview, heading, children, reason }: LayoutProps) {
  return (
    <Html lang='en'>
      <Head />
      <Preview>{preview}</Preview>
      <Body style={{ backgroundColor: '#f5f7fa', fontFamily: 'Helvetica, Arial, sans-serif', color: colors.ink, margin: 0, padding: '24px 0' }}>
        <Container style={{ backgroundColor: '#ffffff', borderRadius: 8, maxWidth: 560, padding: '32px 36px', border: `1px solid ${colors.line}` }}>
          <Text style={{ fontSize: 13, fontWeight: 700, letterSpacing: 1, textTransform: 'uppercase', color: colors.accent, margin: 0 }}>Billing</Text>
          <Heading as='h1' style={{ fontSize: 22, lineHeight: '30px', margin: '12px 0 20px' }}>{heading}</Heading>
          <Section>{children}</Section>
          <Hr style={{ borderColor: colors.line, margin: '28px 0 16px' }} />
          <Text style={{ fontSize: 12, lineHeight: '18px', color: colors.muted, margin: 0 }}>{reason}</Text>
        </Container>
      </Body>
    </Html>
  )
}

export function Paragraph({ children }: { children: ReactNode }) {
  return <Text style={{ fontSize: 15, lineHeight: '24px', margin: '0 0 14px' }}>{children}</Text>
}

/** Numbered steps as a real list: one line each, in HTML and in the text version. */
export function Steps({ items }: { items: ReactNode[] }) {
  return (
    <ol style={{ fontSize: 15, lineHeight: '24px', margin: '0 0 14px', paddingLeft: 22 }}>
      {items.map((item, i) => <li key={i} style={{ margin: '0 0 6px' }}>{item}</li>)}
    </ol>
  )
}
