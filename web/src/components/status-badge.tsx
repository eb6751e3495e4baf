// A coloured pill with the billing status in words; colour is never the only signal.
import type { BadgeTone } from '../lib/status.ts'

export function StatusBadge({ label, tone, testId }: { label: string; tone: BadgeTone; testId?: string }) {
  return (
    <span className={`badge badge-${tone}`} data-testid={testId}>
      {label}
    </span>
  )
}
