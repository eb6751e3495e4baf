// The function secrets a deployment needs, named once: the `health` function reports which are
// missing to a service-role caller, and `npm run doctor` prints the fix. Values are never reported.
import { env } from './env.ts'

function isSet(name: string): boolean {
  return env(name, '') !== ''
}

/** The email transport in use decides which of its settings are required (see email/transport.ts). */
function emailSecrets(): string[] {
  const transport = env('EMAIL_TRANSPORT', '') || (isSet('SMTP_HOST') ? 'smtp' : 'resend')
  return transport === 'smtp' ? ['SMTP_HOST'] : ['RESEND_API_KEY']
}

/** Names of required function secrets that are unset, in a stable order. */
export function missingFunctionSecrets(): string[] {
  const required = ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRETS', 'EXPORT_SIGNING_SECRET', ...emailSecrets()]
  return required.filter((name) => !isSet(name))
}
