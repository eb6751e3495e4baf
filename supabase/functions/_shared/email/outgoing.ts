// A rendered email on its way to a transport (SMTP or Resend), with the key that makes its send idempotent.
export interface OutgoingEmail {
  to: string
  subject: string
  html: string
  text: string
  idempotencyKey: string
}
