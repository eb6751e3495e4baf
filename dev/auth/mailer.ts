// DEVELOPMENT-ONLY (GoTrue stand-in): the emails Auth sends (password recovery, email change), over SMTP
// to the stack's maildev, each carrying a link to /verify as GoTrue's templates do.
import nodemailer, { type Transporter } from 'nodemailer'
import type { OtpType } from './otp.ts'

export interface MailerConfig {
  smtpHost: string
  smtpPort: number
  from: string
  /** Auth's public URL (…/auth/v1), where the emailed links point. */
  externalUrl: string
}

const TEMPLATES: Record<OtpType, { subject: string; lead: string; action: string }> = {
  recovery: {
    subject: 'Reset your password',
    lead: 'Someone asked to reset the password of this account. If it was you, choose a new one here:',
    action: 'Set a new password',
  },
  email_change: {
    subject: 'Confirm your new email address',
    lead: 'Confirm that this address should become the email of your account:',
    action: 'Confirm the new address',
  },
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

export class Mailer {
  private readonly transport: Transporter

  constructor(private readonly config: MailerConfig) {
    this.transport = nodemailer.createTransport({ host: config.smtpHost, port: config.smtpPort, secure: false, ignoreTLS: true })
  }

  /** The /verify link of a token, as GoTrue's {{ .ConfirmationURL }}. */
  link(type: OtpType, token: string, redirectTo: string): string {
    const q = new URLSearchParams({ token, type, redirect_to: redirectTo })
    return `${this.config.externalUrl}/verify?${q}`
  }

  async send(type: OtpType, to: string, token: string, redirectTo: string): Promise<void> {
    const t = TEMPLATES[type]
    const url = this.link(type, token, redirectTo)
    await this.transport.sendMail({
      from: this.config.from,
      to,
      subject: t.subject,
      text: `${t.lead}\n\n${url}\n\nIf you did not ask for this, ignore this email.`,
      html: `<p>${escapeHtml(t.lead)}</p><p><a href="${escapeHtml(url)}">${escapeHtml(t.action)}</a></p>`
        + '<p>If you did not ask for this, ignore this email.</p>',
    })
  }
}
