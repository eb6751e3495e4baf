// A primary call to action: a real link styled as a button, with the URL also readable in plain text.
import { Button, Section } from '@react-email/components'
import { colors } from './layout.tsx'

export function Action({ href, label, tone = 'accent' }: { href: string; label: string; tone?: 'accent' | 'warn' }) {
  return (
    <Section style={{ margin: '22px 0' }}>
      <Button
        href={href}
        style={{
          backgroundColor: tone === 'warn' ? colors.warn : colors.accent,
          color: '#ffffff',
          borderRadius: 6,
          padding: '12px 20px',
          fontSize: 15,
          fontWeight: 600,
          textDecoration: 'none',
        }}
      >
        {label}
      </Button>
    </Section>
  )
}
