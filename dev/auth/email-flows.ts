// DEVELOPMENT-ONLY (GoTrue stand-in): password recovery and email change, in GoTrue's shapes.
// POST /recover mails a link (the same empty 200 whether or not the address has an account, so it
// cannot be used to find accounts); the link is GET /verify, which spends the token and redirects to
// `redirect_to` with the session in the fragment (supabase-js then emits PASSWORD_RECOVERY), or with
// GoTrue's error there. POST /verify does the same for a token_hash and answers with the session.
// An email change (PUT /user with `email`) takes effect only when the link sent to the new address is used.
import type postgres from 'postgres'
import { AuthError, checkEmail, type Answer, type Handler } from './http.ts'
import type { Mailer } from './mailer.ts'
import { OTP_TYPES, type OtpType, type Otps } from './otp.ts'
import type { Sessions, UserRow } from './sessions.ts'

export interface FlowDeps {
  sql: postgres.Sql
  sessions: Sessions
  otps: Otps
  mailer: Mailer
  /** The app's URL (GoTrue's SITE_URL): the default redirect, and the only origin redirects may go to. */
  siteUrl: string
  findByEmail: (email: string) => Promise<UserRow | undefined>
}

const INVALID = () => new AuthError(403, 'otp_expired', 'Token has expired or is invalid')

/** `redirect_to` when it stays on the app's origin, else the app's URL (no open redirects). */
function redirectFor(siteUrl: string, requested: string | null): string {
  try {
    if (requested && new URL(requested).origin === new URL(siteUrl).origin) return requested
  } catch {
    // not a URL: fall back to the site
  }
  return siteUrl
}

function verifyType(type: unknown): OtpType {
  if (typeof type !== 'string' || !OTP_TYPES.includes(type)) {
    throw new AuthError(400, 'validation_failed', `Verify requires a verification type of ${OTP_TYPES.join(' or ')}`)
  }
  return type as OtpType
}

/** PUT /user with a new email: records it, mails the new address, and leaves `email` unchanged. */
export async function requestEmailChange(d: FlowDeps, u: UserRow, email: string, url: URL): Promise<UserRow> {
  checkEmail(email)
  const next = email.toLowerCase()
  if (next === u.email) return u
  const owner = await d.findByEmail(next)
  if (owner) throw new AuthError(422, 'email_exists', 'A user with this email address has already been registered')
  const row = (await d.otps.issueEmailChange(u.id, next)) as UserRow & { token: string }
  await d.mailer.send('email_change', next, row.token, redirectFor(d.siteUrl, url.searchParams.get('redirect_to')))
  return row
}

async function spend(d: FlowDeps, type: OtpType, token: string): Promise<UserRow> {
  try {
    const u = await d.otps.consume(type, token)
    if (!u) throw INVALID()
    return u
  } catch (err) {
    // The new address was registered by someone else after the change was asked for.
    if ((err as { code?: string }).code === '23505') {
      throw new AuthError(422, 'email_exists', 'A user with this email address has already been registered')
    }
    throw err
  }
}

export function flowRoutes(d: FlowDeps): Record<string, Handler> {
  return {
    'POST /recover': async (_req, body, url) => {
      if (body.email === undefined || body.email === '') throw new AuthError(400, 'validation_failed', 'Password recovery requires an email')
      checkEmail(body.email)
      const u = await d.findByEmail(body.email)
      if (u) {
        const token = await d.otps.issueRecovery(u.id)
        const redirect = redirectFor(d.siteUrl, url.searchParams.get('redirect_to'))
        // Sent after answering, so the answer's timing does not tell whether the account exists.
        void d.mailer.send('recovery', u.email, token, redirect).catch((err) => console.error(`auth: recovery mail for user ${u.id} failed:`, err))
      }
      return [200, {}]
    },
    'GET /verify': async (_req, _body, url): Promise<Answer> => {
      const redirect = redirectFor(d.siteUrl, url.searchParams.get('redirect_to'))
      try {
        const type = verifyType(url.searchParams.get('type'))
        const u = await spend(d, type, url.searchParams.get('token') ?? '')
        const s = await d.sessions.create(u)
        const fragment = new URLSearchParams({
          access_token: s.access_token, expires_at: String(s.expires_at), expires_in: String(s.expires_in),
          refresh_token: s.refresh_token, token_type: s.token_type, type,
        })
        return [303, null, { location: `${redirect}#${fragment}` }]
      } catch (err) {
        if (!(err instanceof AuthError)) throw err
        const code = err.code === 'otp_expired' ? 'otp_expired' : err.code
        const fragment = new URLSearchParams({
          error: 'access_denied', error_code: code,
          error_description: code === 'otp_expired' ? 'Email link is invalid or has expired' : err.message,
        })
        return [303, null, { location: `${redirect}#${fragment}` }]
      }
    },
    'POST /verify': async (_req, body) => {
      const type = verifyType(body.type)
      const token = body.token_hash ?? body.token
      if (typeof token !== 'string' || token === '') throw new AuthError(400, 'validation_failed', 'Verify requires either a token or a token hash')
      const u = await spend(d, type, token)
      return [200, await d.sessions.create(u)]
    },
  }
}
