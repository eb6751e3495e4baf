// DEVELOPMENT-ONLY (GoTrue stand-in): the one-time tokens of emailed links, kept where GoTrue keeps them
// (auth.users.recovery_token, email_change_token_new). Only a SHA-256 hash is stored, so a read of the
// table cannot be replayed; a token is spent by the update that uses it and expires after `expirySeconds`.
import { createHash, randomBytes } from 'node:crypto'
import type postgres from 'postgres'
import type { UserRow } from './sessions.ts'

export type OtpType = 'recovery' | 'email_change'
export const OTP_TYPES: readonly string[] = ['recovery', 'email_change']

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex')

export class Otps {
  constructor(private readonly sql: postgres.Sql, private readonly expirySeconds: number) {}

  /** A new recovery token for the user; the previous one, if any, stops working. */
  async issueRecovery(userId: string): Promise<string> {
    const token = randomBytes(32).toString('base64url')
    await this.sql`update auth.users set recovery_token = ${hashToken(token)}, recovery_sent_at = now(), updated_at = now()
      where id = ${userId}`
    return token
  }

  /** Records the address the user asked to move to; it becomes their email only when the token is used. */
  async issueEmailChange(userId: string, newEmail: string): Promise<UserRow> {
    const token = randomBytes(32).toString('base64url')
    const [u] = await this.sql<UserRow[]>`update auth.users set email_change = ${newEmail},
        email_change_token_new = ${hashToken(token)}, email_change_sent_at = now(), updated_at = now()
      where id = ${userId} returning *`
    return Object.assign(u, { token })
  }

  /** Spends a token: the user it belonged to, or undefined when it is unknown, used or expired. */
  async consume(type: OtpType, token: string): Promise<UserRow | undefined> {
    const hash = hashToken(token)
    const fresh = this.sql`now() - make_interval(secs => ${this.expirySeconds})`
    if (type === 'recovery') {
      const [u] = await this.sql<UserRow[]>`update auth.users set recovery_token = '', recovery_sent_at = null,
          email_confirmed_at = coalesce(email_confirmed_at, now()), updated_at = now()
        where recovery_token = ${hash} and recovery_sent_at > ${fresh} and deleted_at is null returning *`
      return u
    }
    const [u] = await this.sql<UserRow[]>`update auth.users set email = email_change, email_change = '',
        email_change_token_new = '', email_change_sent_at = null, email_confirmed_at = now(), updated_at = now()
      where email_change_token_new = ${hash} and email_change_sent_at > ${fresh} and deleted_at is null returning *`
    return u
  }
}
