// The function secrets a deployment needs, named once: the `health` function reports which are
// missing to a service-role caller, and `npm run doctor` prints the fix. Values are never reported.
import { type Config, config } from './config.ts'

function isSet(c: Config, name: keyof Config): boolean {
  return c[name] !== undefined
}

/** The email transport in use decides which of its settings are required (see email/transport.ts). */
function emailSecrets(c: Config): (keyof Config)[] {
  const transport = c.EMAIL_TRANSPORT ?? (isSet(c, 'SMTP_HOST') ? 'smtp' : 'resend')
  return transport === 'smtp' ? ['SMTP_HOST'] : ['RESEND_API_KEY']
}

/** Names of required function secrets that are unset, in a stable order. */
export function missingFunctionSecrets(): string[] {
  const c = config()
  const required: (keyof Config)[] = ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRETS', 'EXPORT_SIGNING_SECRET', ...emailSecrets(c)]
  return required.filter((name) => !isSet(c, name))
}
