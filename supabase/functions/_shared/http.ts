// JSON responses and the one mapping from errors to HTTP status.
import { HttpError } from './errors.ts'

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } })
}

/** Turns any error into a JSON response; unexpected ones are logged with `context` and answered 500. */
export function errorResponse(err: unknown, context: string): Response {
  if (err instanceof HttpError) return json(err.status, { error: err.message })
  console.error(`${context}: unexpected error`, err)
  return json(500, { error: 'internal error' })
}

/** Reads a request body as text, refusing more than `limit` bytes (413) without buffering past it. */
export async function readBodyLimited(req: Request, limit: number): Promise<string> {
  const declared = Number(req.headers.get('content-length') ?? '0')
  if (declared > limit) throw new HttpError(413, `body larger than ${limit} bytes`)
  if (!req.body) return ''
  const reader = req.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      await reader.cancel()
      throw new HttpError(413, `body larger than ${limit} bytes`)
    }
    chunks.push(value)
  }
  const all = new Uint8Array(size)
  let at = 0
  for (const c of chunks) {
    all.set(c, at)
    at += c.byteLength
  }
  return new TextDecoder().decode(all)
}
