// Who is calling the billing function: a signed-in user, proven by a Supabase JWT (HS256 with the
// project's JWT secret). The anon key is a valid JWT too, so the role must be `authenticated`.
import { jwtVerify, errors as joseErrors } from 'jose'
import { BillingError } from './errors.ts'

export interface Caller {
  userId: string
  email: string | null
  /** The claims the queries run with, so RLS sees exactly this user. */
  claims: Record<string, unknown>
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export async function verifyCaller(req: Request, jwtSecret: string): Promise<Caller> {
  const token = /^Bearer\s+(\S+)$/i.exec(req.headers.get('authorization') ?? '')?.[1]
  if (!token) throw new BillingError(401, 'unauthenticated', 'Sign in first: the request has no access token.')
  let claims: Record<string, unknown>
  try {
    ;({ payload: claims } = await jwtVerify(token, new TextEncoder().encode(jwtSecret), { algorithms: ['HS256'] }))
  } catch (err) {
    const expired = err instanceof joseErrors.JWTExpired
    throw new BillingError(401, expired ? 'session_expired' : 'invalid_token', expired ? 'Your session has expired; sign in again.' : 'The access token is not valid; sign in again.', { cause: err })
  }
  if (claims.role !== 'authenticated' || typeof claims.sub !== 'string' || !UUID.test(claims.sub)) {
    throw new BillingError(401, 'unauthenticated', 'Sign in as a user: this key is not a user session.')
  }
  if (typeof claims.exp !== 'number') throw new BillingError(401, 'invalid_token', 'The access token has no expiry; sign in again.')
  return { userId: claims.sub, email: typeof claims.email === 'string' ? claims.email : null, claims }
}
