// DEVELOPMENT-ONLY (GoTrue stand-in): sessions, refresh tokens and access tokens with GoTrue's claims,
// so supabase-js, RLS policies (auth.uid(), auth.jwt()) and the gateway see what hosted Auth issues.
import { randomBytes, randomUUID } from 'node:crypto'
import { SignJWT } from 'jose'
import type postgres from 'postgres'

export interface UserRow {
  id: string
  aud: string
  role: string
  email: string
  encrypted_password: string | null
  email_confirmed_at: Date | null
  confirmed_at: Date | null
  last_sign_in_at: Date | null
  raw_app_meta_data: Record<string, unknown>
  raw_user_meta_data: Record<string, unknown>
  created_at: Date
  updated_at: Date
  phone: string | null
  is_anonymous: boolean
  recovery_sent_at: Date | null
  email_change: string | null
  email_change_sent_at: Date | null
}

/** The user object as GoTrue returns it. */
export function userJson(u: UserRow) {
  return {
    id: u.id,
    aud: u.aud,
    role: u.role,
    email: u.email,
    email_confirmed_at: u.email_confirmed_at?.toISOString(),
    phone: u.phone ?? '',
    confirmed_at: u.confirmed_at?.toISOString(),
    last_sign_in_at: u.last_sign_in_at?.toISOString(),
    recovery_sent_at: u.recovery_sent_at?.toISOString(),
    // An email change waiting for its confirmation link, as GoTrue shows it.
    ...(u.email_change ? { new_email: u.email_change, email_change_sent_at: u.email_change_sent_at?.toISOString() } : {}),
    app_metadata: u.raw_app_meta_data ?? {},
    user_metadata: u.raw_user_meta_data ?? {},
    identities: [],
    created_at: u.created_at.toISOString(),
    updated_at: u.updated_at.toISOString(),
    is_anonymous: u.is_anonymous,
  }
}

export class Sessions {
  constructor(
    private readonly sql: postgres.Sql,
    private readonly secret: Uint8Array,
    private readonly issuer: string,
    private readonly expirySeconds: number,
  ) {}

  private accessToken(u: UserRow, sessionId: string, now: number) {
    return new SignJWT({
      aud: u.aud,
      email: u.email,
      phone: u.phone ?? '',
      app_metadata: u.raw_app_meta_data ?? {},
      user_metadata: u.raw_user_meta_data ?? {},
      role: u.role,
      aal: 'aal1',
      amr: [{ method: 'password', timestamp: now }],
      session_id: sessionId,
      is_anonymous: u.is_anonymous,
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(this.issuer)
      .setSubject(u.id)
      .setIssuedAt(now)
      .setExpirationTime(now + this.expirySeconds)
      .sign(this.secret)
  }

  /** Starts a session for a user who just proved who they are. */
  async create(u: UserRow) {
    const sessionId = randomUUID()
    await this.sql`insert into auth.sessions (id, user_id, created_at, updated_at) values (${sessionId}, ${u.id}, now(), now())`
    await this.sql`update auth.users set last_sign_in_at = now(), updated_at = now() where id = ${u.id}`
    return this.issue(u, sessionId, null)
  }

  /** Exchanges a refresh token for a new pair (rotation: the old token is revoked). */
  async refresh(token: string, loadUser: (id: string) => Promise<UserRow | undefined>) {
    const [row] = await this.sql<{ user_id: string; session_id: string; revoked: boolean }[]>`
      update auth.refresh_tokens set revoked = true, updated_at = now()
      where token = ${token} and revoked = false
      returning user_id, session_id, revoked`
    if (!row) return undefined
    const u = await loadUser(row.user_id)
    if (!u) return undefined
    return this.issue(u, row.session_id, token)
  }

  async revoke(sessionId: string): Promise<void> {
    await this.sql`delete from auth.sessions where id = ${sessionId}`
  }

  private async issue(u: UserRow, sessionId: string, parent: string | null) {
    const now = Math.floor(Date.now() / 1000)
    const refreshToken = randomBytes(16).toString('base64url')
    await this.sql`
      insert into auth.refresh_tokens (token, user_id, revoked, created_at, updated_at, parent, session_id)
      values (${refreshToken}, ${u.id}, false, now(), now(), ${parent}, ${sessionId})`
    return {
      access_token: await this.accessToken(u, sessionId, now),
      token_type: 'bearer',
      expires_in: this.expirySeconds,
      expires_at: now + this.expirySeconds,
      refresh_token: refreshToken,
      user: userJson(u),
    }
  }
}
