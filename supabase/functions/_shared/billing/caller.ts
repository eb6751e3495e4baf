// Who is calling the billing function: a signed-in user, proven by a Supabase JWT. Projects sign
// sessions either with the legacy shared secret (HS256, JWT_SECRET) or with asymmetric signing keys
// published at <SUPABASE_URL>/auth/v1/.well-known/jwks.json; both are accepted. The anon key is a valid
// JWT too, so the role must be `authenticated`.
import { createRemoteJWKSet, decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose'
import { HttpError } from '../errors.ts'

export interface Caller {
  userId: string
  email: string | null
  /** The claims the queries run with, so RLS sees exactly this user. */
  claims: Record<string, unknown>
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** How tokens are checked: the shared secret when the project has one, else the project's JWKS. */
export interface JwtKeys {
  secret?: string
  jwksUrl?: string
}

const jwksCache = new Map<string, JWTVerifyGetKey>()

async function verifyToken(token: string, keys: JwtKeys) {
  const { alg } = decodeProtectedHeader(token)
  if (alg === 'HS256' && keys.secret) return await jwtVerify(token, new TextEncoder().encode(keys.secret), { algorithms: ['HS256'] })
  if (alg !== 'HS256' && keys.jwksUrl) {
    let jwks = jwksCache.get(keys.jwksUrl)
    if (!jwks) jwksCache.set(keys.jwksUrl, jwks = createRemoteJWKSet(new URL(keys.jwksUrl)))
    return await jwtVerify(token, jwks, { algorithms: ['ES256', 'RS256', 'EdDSA'] })
  }
  throw new joseErrors.JOSEAlgNotAllowed(`tokens signed with ${alg ?? 'an unknown algorithm'} are not accepted here`)
}

export async function verifyCaller(req: Request, keys: JwtKeys): Promise<Caller> {
  const token = /^Bearer\s+(\S+)$/i.exec(req.headers.get('authorization') ?? '')?.[1]
  if (!token) throw new HttpError(401, 'unauthenticated', 'Sign in first: the request has no access token.')
  let claims: Record<string, unknown>
  try {
    ;({ payload: claims } = await verifyToken(token, keys))
  } catch (err) {
    const expired = err instanceof joseErrors.JWTExpired
    throw new HttpError(
      401,
      expired ? 'session_expired' : 'invalid_token',
      expired ? 'Your session has expired; sign in again.' : 'The access token is not valid; sign in again.',
      { cause: err },
    )
  }
  if (claims.role !== 'authenticated' || typeof claims.sub !== 'string' || !UUID.test(claims.sub)) {
    throw new HttpError(401, 'unauthenticated', 'Sign in as a user: this key is not a user session.')
  }
  if (typeof claims.exp !== 'number') throw new HttpError(401, 'invalid_token', 'The access token has no expiry; sign in again.')
  return { userId: claims.sub, email: typeof claims.email === 'string' ? claims.email : null, claims }
}
