// A button whose action is running: disabled, and saying so to assistive technology (aria-busy, which
// controls.css also shows as a spinner).
import type { ButtonHTMLAttributes } from 'react'

export interface BusyButtonProps extends Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'className' | 'disabled'> {
  busy: boolean
  variant: 'primary' | 'secondary' | 'danger'
}

export function BusyButton({ busy, variant, type = 'button', ...rest }: BusyButtonProps) {
  return <button type={type} className={`button button-${variant}`} disabled={busy} aria-busy={busy || undefined} {...rest} />
}
