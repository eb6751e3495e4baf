// DEVELOPMENT-ONLY (GoTrue stand-in): what every route shares: GoTrue's error (status, error_code, msg)
// and a route's answer (status, JSON body, extra headers such as a redirect's Location).
import type http from 'node:http'

export class AuthError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message)
  }
}

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

export type Answer = [status: number, body: unknown, headers?: Record<string, string>]
export type Handler = (req: http.IncomingMessage, body: Record<string, any>, url: URL) => Promise<Answer>

export function checkEmail(email: unknown): asserts email is string {
  if (typeof email !== 'string' || !EMAIL_RE.test(email)) {
    throw new AuthError(400, 'validation_failed', 'Unable to validate email address: invalid format')
  }
}
