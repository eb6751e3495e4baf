// JSON responses and the one mapping from errors to HTTP status: every function's error answers are
// `{error: {code, message}}` (ApiErrorBody, error-body.ts), whatever raised them.
import postgres from 'postgres'
import Stripe from 'stripe'
import type { ApiErrorBody } from './error-body.ts'
import { HttpError } from './errors.ts'
import { noteAnswered } from './lost-connection.ts'

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } })
}

/** The HTTP status of each sqlstate public._refuse raises with. */
const REFUSAL_STATUS: Record<string, number> = { '42501': 403, '22023': 422, '23505': 409, P0002: 404, '55000': 409 }

/** The HttpError an error stands for: ours as it is; Stripe's and Postgres' input refusals classified; else null. */
function classify(err: unknown, context: string): HttpError | null {
  if (err instanceof HttpError) return err
  if (err instanceof Stripe.errors.StripeError) {
    return new HttpError(502, 'stripe_error', 'Stripe could not complete the request just now. Try again in a moment.', { cause: err })
  }
  if (err instanceof postgres.PostgresError) {
    // A refusal raised by the product's SQL (public._refuse): the hint is the API code, the message the reason.
    const status = REFUSAL_STATUS[err.code]
    if (status && err.hint && /^[a-z_]+$/.test(err.hint)) return new HttpError(status, err.hint, err.message, { cause: err })
    if (err.code === '42501') return new HttpError(403, 'forbidden', 'You are not allowed to do that.', { cause: err })
    if (err.code === '23514') return new HttpError(422, 'invalid_body', 'That value is not allowed.', { cause: err })
    // Class 22 (a value Postgres cannot store or read) is the input's fault; the boundary's zod schemas
    // should catch it first, so it is logged as a gap in them.
    if (err.code.startsWith('22')) {
      console.warn(`${context}: input Postgres refused (${err.code}) got past validation: ${err.message}`)
      return new HttpError(422, 'invalid_body', 'A value in the request cannot be stored.', { cause: err })
    }
  }
  return null
}

/** Turns any error into the one JSON error answer; 5xx ones are logged with `context` and their cause. */
export function errorResponse(err: unknown, context: string, headers: Record<string, string> = {}): Response {
  // A dead connection's error is counted: `reconnecting` (db.ts) runs such a request again.
  noteAnswered(err)
  const e = classify(err, context)
  if (!e) {
    console.error(`${context}: unexpected error`, err)
    return json(500, errorBody('internal', 'Something went wrong on our side. Try again; if it keeps failing, contact support.'), headers)
  }
  if (e.status >= 500) console.error(`${context}: ${e.code}: ${e.message}`, e.cause ?? '')
  else console.warn(`${context}: refused (${e.status} ${e.code}): ${e.message}`)
  return json(e.status, errorBody(e.code, e.message), { ...headers, ...e.headers })
}

const errorBody = (code: string, message: string): ApiErrorBody => ({ error: { code, message } })

/** Reads a request body as text, refusing more than `limit` bytes (413) without buffering past it. */
export async function readBodyLimited(req: Request, limit: number): Promise<string> {
  return decoder.decode(await readBodyBytesLimited(req, limit))
}

/** The same, as the bytes that came (the webhook verifies its signature over them). */
export async function readBodyBytesLimited(req: Request, limit: number): Promise<Uint8Array> {
  const length = req.headers.get('content-length')
  const tooLarge = () => new HttpError(413, 'body_too_large', `body larger than ${limit} bytes`)
  if (Number(length ?? '0') > limit) throw tooLarge()
  if (!req.body) return new Uint8Array(0)
  // A declared length is what the HTTP server reads and no more (it frames the body): read whole, in one
  // native read instead of a promise per chunk. Still checked, for a Request built with a wrong header.
  if (length !== null) {
    const bytes = await req.arrayBuffer()
    if (bytes.byteLength > limit) throw tooLarge()
    return new Uint8Array(bytes)
  }
  const reader = req.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      await reader.cancel()
      throw tooLarge()
    }
    chunks.push(value)
  }
  const all = new Uint8Array(size)
  let at = 0
  for (const c of chunks) {
    all.set(c, at)
    at += c.byteLength
  }
  return all
}

const decoder = new TextDecoder()
